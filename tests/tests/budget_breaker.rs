//! `budget = …` and `breaker = …` through the attribute: what a retried call does when the
//! shared guards say no, and that a dropped or panicking call can't wedge a breaker.
//!
//! Each test has its own `static` budget or breaker: they are shared state by design.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{BreakerState, CircuitBreaker, CircuitOpen, EventKind, GiveUpReason, RetryBudget, retry};

fn reasons(recorder: &Recorder) -> Vec<Option<GiveUpReason>> {
    recorder
        .events()
        .iter()
        .filter(|e| e.kind() == EventKind::GiveUp)
        .map(|e| e.reason())
        .collect()
}

static OUTAGE_BUDGET: RetryBudget = RetryBudget::new(100, 0.1);
static OUTAGE_EVENTS: Recorder = Recorder::new();
static OUTAGE_ATTEMPTS: AtomicU32 = AtomicU32::new(0);

#[retry(max_attempts = 5, base = "1ms", budget = OUTAGE_BUDGET, observer = OUTAGE_EVENTS)]
fn call_dead_dependency() -> io::Result<()> {
    OUTAGE_ATTEMPTS.fetch_add(1, Ordering::Relaxed);
    Err(io::ErrorKind::ConnectionRefused.into())
}

#[test]
fn a_budget_bounds_the_extra_load_of_a_full_outage() {
    let _sleeps = testing::instant_sleep();
    let calls = 1000;
    for _ in 0..calls {
        assert!(call_dead_dependency().is_err());
    }
    let attempts = OUTAGE_ATTEMPTS.load(Ordering::Relaxed);
    // Without the budget: 5000 attempts. With it, about max_tokens / 2 retries in all.
    let amplification = f64::from(attempts) / f64::from(calls);
    assert!(amplification <= 1.1, "amplification {amplification}");
    assert!(attempts > calls, "retries ran at first");
    let reasons = reasons(&OUTAGE_EVENTS);
    assert!(reasons.contains(&Some(GiveUpReason::Budget)));
    assert!(!OUTAGE_BUDGET.allows_retry());
}

static BREAKER: CircuitBreaker = CircuitBreaker::new()
    .failure_ratio(0.5)
    .minimum_calls(4)
    .window(Duration::from_secs(60))
    .open_for(Duration::from_secs(5));
static BREAKER_EVENTS: Recorder = Recorder::new();
static DEPENDENCY_UP: AtomicU32 = AtomicU32::new(0);
static BODY_RUNS: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, PartialEq)]
enum ApiError {
    Down(u32),
    Open,
}

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError::Open
    }
}

#[retry(max_attempts = 3, base = "10ms", jitter = "none", breaker = BREAKER, observer = BREAKER_EVENTS)]
async fn guarded() -> Result<u32, ApiError> {
    let run = BODY_RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if DEPENDENCY_UP.load(Ordering::Relaxed) == 1 {
        Ok(run)
    } else {
        Err(ApiError::Down(run))
    }
}

#[tokio::test(start_paused = true)]
async fn a_breaker_opens_fails_fast_and_closes_after_a_probe() {
    // First call: attempts 1-3 fail; the fourth failure (next call) reaches minimum_calls.
    assert_eq!(guarded().await, Err(ApiError::Down(3)));
    // The breaker opens on this call's first failure: the call ends with its own last error,
    // not a bare `CircuitOpen`.
    assert_eq!(guarded().await, Err(ApiError::Down(4)));
    assert_eq!(BREAKER.state(), BreakerState::Open);
    // While open, calls fail fast without running the body.
    assert_eq!(guarded().await, Err(ApiError::Open));
    assert_eq!(BODY_RUNS.load(Ordering::Relaxed), 4);

    DEPENDENCY_UP.store(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(5)).await;
    // One probe goes through, succeeds, and closes the breaker.
    assert_eq!(guarded().await, Ok(5));
    assert_eq!(BREAKER.state(), BreakerState::Closed);

    let kinds: Vec<_> = BREAKER_EVENTS
        .events()
        .iter()
        .map(|e| (e.kind(), e.attempt(), e.reason()))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Retry, 1, None),
            (EventKind::Retry, 2, None),
            (EventKind::GiveUp, 3, Some(GiveUpReason::Exhausted)),
            (EventKind::CircuitOpened, 1, None),
            (EventKind::GiveUp, 1, Some(GiveUpReason::CircuitOpen)),
            (EventKind::GiveUp, 0, Some(GiveUpReason::CircuitOpen)),
            (EventKind::CircuitHalfOpen, 0, None),
            (EventKind::CircuitClosed, 1, None),
        ]
    );
}

static PROBED: CircuitBreaker = CircuitBreaker::new()
    .minimum_calls(1)
    .failure_ratio(1.0)
    .open_for(Duration::from_secs(1))
    .half_open_probes(1);

#[retry(max_attempts = 1, breaker = PROBED)]
async fn slow_probe(fail: bool) -> io::Result<()> {
    if fail {
        return Err(io::ErrorKind::TimedOut.into());
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_probe_whose_future_is_dropped_gives_its_slot_back() {
    assert!(slow_probe(true).await.is_err());
    assert_eq!(PROBED.state(), BreakerState::Open);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The only probe starts, then its caller gives up on it.
    let abandoned = tokio::time::timeout(Duration::from_millis(10), slow_probe(false)).await;
    assert!(abandoned.is_err(), "the probe was cut by the caller's timeout");
    // The slot came back: the next call is let through as the probe (and fails, reopening).
    let next = slow_probe(true).await.unwrap_err();
    assert_eq!(
        next.kind(),
        io::ErrorKind::TimedOut,
        "ran instead of failing fast"
    );
}

static PANICKY: CircuitBreaker = CircuitBreaker::new()
    .minimum_calls(1)
    .failure_ratio(1.0)
    .open_for(Duration::from_millis(20));

#[retry(max_attempts = 1, breaker = PANICKY)]
fn maybe_panics(mode: u8) -> io::Result<u8> {
    match mode {
        0 => Err(io::ErrorKind::TimedOut.into()),
        1 => panic!("bug in the body"),
        _ => Ok(mode),
    }
}

#[test]
fn a_probe_whose_body_panics_gives_its_slot_back() {
    assert!(maybe_panics(0).is_err());
    std::thread::sleep(Duration::from_millis(30));
    assert!(std::panic::catch_unwind(|| maybe_panics(1)).is_err());
    // Not wedged half-open: the next call is the probe, succeeds, and closes the breaker.
    assert_eq!(maybe_panics(2).unwrap(), 2);
    assert_eq!(PANICKY.state(), BreakerState::Closed);
}

static FIRST_RUNTIME: CircuitBreaker = CircuitBreaker::new()
    .minimum_calls(1)
    .failure_ratio(1.0)
    .open_for(Duration::from_secs(5));
static SECOND_RUNTIME: CircuitBreaker = CircuitBreaker::new()
    .minimum_calls(1)
    .failure_ratio(1.0)
    .open_for(Duration::from_secs(5));

#[retry(max_attempts = 1, breaker = FIRST_RUNTIME)]
async fn first() -> io::Result<()> {
    Err(io::ErrorKind::TimedOut.into())
}

#[retry(max_attempts = 1, breaker = SECOND_RUNTIME)]
async fn second() -> io::Result<()> {
    Err(io::ErrorKind::TimedOut.into())
}

/// Regression: breaker times were measured from a process-wide epoch taken from the first
/// reading. A paused runtime whose simulated clock started behind that reading saw no time
/// pass, and its breakers stayed open forever.
#[test]
fn breakers_follow_each_paused_runtime_clock() {
    let paused = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    };
    paused().block_on(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let _ = first().await;
        assert_eq!(FIRST_RUNTIME.state(), BreakerState::Open);
    });
    paused().block_on(async {
        let _ = second().await;
        assert_eq!(SECOND_RUNTIME.state(), BreakerState::Open);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(SECOND_RUNTIME.state(), BreakerState::HalfOpen);
    });
}
