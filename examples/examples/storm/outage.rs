//! M clients call one dependency at a steady rate; it fails every call for a minute, then
//! recovers. Each protection setting is its own `#[retry]` site with its own `static` budget and
//! breaker, because the attribute names them by path.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{
    CircuitBreaker, ErrorView, Event, EventKind, Observer, Policy, RetryBudget, retry, testing,
};
use tokio::time::{Instant, sleep, sleep_until};

/// 20 clients, one call each per second, evenly phased: 20 calls/s, a call every 50 ms.
pub const CLIENTS: u32 = 20;
pub const PERIOD: Duration = Duration::from_secs(1);
/// Healthy long enough for the breaker's window to fill with successes first.
pub const OUTAGE_START: Duration = Duration::from_secs(20);
pub const OUTAGE_END: Duration = Duration::from_secs(80);
pub const END: Duration = Duration::from_secs(120);
/// Up or down, the dependency answers in 20 ms: a dead one refuses connections fast.
pub const LATENCY: Duration = Duration::from_millis(20);

pub const POLICY: Policy = Policy::exponential(Duration::from_millis(100)).max_attempts(5);
pub const BUDGET_TOKENS: u32 = 100;
pub const BUDGET_RATIO: f64 = 0.1;
pub const MINIMUM_CALLS: u32 = 20;
pub const OPEN_FOR: Duration = Duration::from_secs(5);

/// Every guarded site's breaker; only the window varies. At 20 calls/s a 1 s window holds about
/// `MINIMUM_CALLS` calls, which "stops within minimum_calls calls" needs (see docs/storm.md).
const fn breaker(window: Duration) -> CircuitBreaker {
    CircuitBreaker::new()
        .failure_ratio(0.5)
        .minimum_calls(MINIMUM_CALLS)
        .window(window)
        .open_for(OPEN_FOR)
        .half_open_probes(1)
}

static BUDGET: RetryBudget = RetryBudget::new(BUDGET_TOKENS, BUDGET_RATIO);
static GUARDED_BUDGET: RetryBudget = RetryBudget::new(BUDGET_TOKENS, BUDGET_RATIO);
static GUARDED: CircuitBreaker = breaker(Duration::from_secs(1));
static GUARDED_LOG: Transitions = Transitions::new();
static GUARDED_5S_BUDGET: RetryBudget = RetryBudget::new(BUDGET_TOKENS, BUDGET_RATIO);
static GUARDED_5S: CircuitBreaker = breaker(Duration::from_secs(5));
static GUARDED_5S_LOG: Transitions = Transitions::new();
static GUARDED_10S_BUDGET: RetryBudget = RetryBudget::new(BUDGET_TOKENS, BUDGET_RATIO);
static GUARDED_10S: CircuitBreaker = breaker(Duration::from_secs(10));
static GUARDED_10S_LOG: Transitions = Transitions::new();

#[retry(policy = POLICY)]
async fn call_unprotected(dep: &Dependency) -> io::Result<()> {
    dep.handle().await
}

#[retry(policy = POLICY, budget = BUDGET)]
async fn call_budget(dep: &Dependency) -> io::Result<()> {
    dep.handle().await
}

#[retry(policy = POLICY, budget = GUARDED_BUDGET, breaker = GUARDED, observer = GUARDED_LOG)]
async fn call_guarded(dep: &Dependency) -> io::Result<()> {
    dep.handle().await
}

#[retry(policy = POLICY, budget = GUARDED_5S_BUDGET, breaker = GUARDED_5S, observer = GUARDED_5S_LOG)]
async fn call_guarded_5s(dep: &Dependency) -> io::Result<()> {
    dep.handle().await
}

#[retry(policy = POLICY, budget = GUARDED_10S_BUDGET, breaker = GUARDED_10S, observer = GUARDED_10S_LOG)]
async fn call_guarded_10s(dep: &Dependency) -> io::Result<()> {
    dep.handle().await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Unprotected,
    Budget,
    /// Budget and breaker; the breaker's window in seconds.
    Guarded(u64),
}

impl Setting {
    pub const MAIN: [Setting; 3] = [Setting::Unprotected, Setting::Budget, Setting::Guarded(1)];
    /// The same site with longer breaker windows, to show what "within minimum_calls" needs.
    pub const WINDOWS: [Setting; 3] = [Setting::Guarded(1), Setting::Guarded(5), Setting::Guarded(10)];

    pub fn label(self) -> String {
        match self {
            Setting::Unprotected => "max_attempts = 5, no budget".into(),
            Setting::Budget => format!("+ RetryBudget::new({BUDGET_TOKENS}, {BUDGET_RATIO})"),
            Setting::Guarded(window) => format!("+ budget + CircuitBreaker ({window} s window)"),
        }
    }

    async fn call(self, dep: &Dependency) -> io::Result<()> {
        match self {
            Setting::Unprotected => call_unprotected(dep).await,
            Setting::Budget => call_budget(dep).await,
            Setting::Guarded(1) => call_guarded(dep).await,
            Setting::Guarded(5) => call_guarded_5s(dep).await,
            Setting::Guarded(10) => call_guarded_10s(dep).await,
            Setting::Guarded(other) => unreachable!("no site for a {other} s window"),
        }
    }

    fn budget(self) -> Option<&'static RetryBudget> {
        match self {
            Setting::Unprotected => None,
            Setting::Budget => Some(&BUDGET),
            Setting::Guarded(1) => Some(&GUARDED_BUDGET),
            Setting::Guarded(5) => Some(&GUARDED_5S_BUDGET),
            Setting::Guarded(10) => Some(&GUARDED_10S_BUDGET),
            Setting::Guarded(_) => None,
        }
    }

    fn transitions(self) -> Option<&'static Transitions> {
        match self {
            Setting::Guarded(1) => Some(&GUARDED_LOG),
            Setting::Guarded(5) => Some(&GUARDED_5S_LOG),
            Setting::Guarded(10) => Some(&GUARDED_10S_LOG),
            _ => None,
        }
    }
}

/// Records when the breaker changed state, in simulated time; the events carry no timestamp.
pub struct Transitions(Mutex<Vec<(EventKind, Instant)>>);

impl Transitions {
    const fn new() -> Self {
        Transitions(Mutex::new(Vec::new()))
    }
}

impl Observer for Transitions {
    fn on_event(&self, event: &Event, _error: Option<ErrorView<'_>>) {
        if matches!(
            event.kind(),
            EventKind::CircuitOpened | EventKind::CircuitHalfOpen | EventKind::CircuitClosed
        ) {
            self.0.lock().unwrap().push((event.kind(), Instant::now()));
        }
    }
}

struct Dependency {
    start: Instant,
    /// When each attempt reached the dependency, since the start.
    arrivals: RefCell<Vec<Duration>>,
    /// Each call's start, end and outcome, since the start.
    calls: RefCell<Vec<(Duration, Duration, bool)>>,
}

impl Dependency {
    async fn handle(&self) -> io::Result<()> {
        let at = self.start.elapsed();
        self.arrivals.borrow_mut().push(at);
        // The dependency decides on arrival; the answer takes the round trip either way.
        let down = (OUTAGE_START..OUTAGE_END).contains(&at);
        sleep(LATENCY).await;
        if down {
            Err(io::ErrorKind::ConnectionRefused.into())
        } else {
            Ok(())
        }
    }
}

/// What one setting did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub setting: Setting,
    pub calls_in_outage: u64,
    pub attempts_in_outage: u64,
    /// Attempts reaching the dependency in each second of the run.
    pub per_second: Vec<u64>,
    /// From the recovery to the first call that succeeds.
    pub first_success: Option<Duration>,
    /// From the recovery to the end of the last call that failed: from then on all succeed.
    pub all_succeed: Duration,
    /// Budget only: from the recovery until the bucket allows retries again, sampled every
    /// 100 ms; `None` if it never did before the end.
    pub retries_back: Option<Duration>,
    /// Breaker only: when it first opened after the outage began, and the dependency calls made
    /// from the outage's start up to that moment.
    pub opened: Option<(Duration, u64)>,
    /// Breaker only: dependency calls while the outage lasted after it opened (the probes).
    pub probes: u64,
}

impl Outcome {
    pub fn amplification(&self) -> f64 {
        self.attempts_in_outage as f64 / self.calls_in_outage as f64
    }
}

/// Runs one setting for `END` of simulated time, inside a `LocalSet` on a paused runtime.
pub async fn run(setting: Setting, seed: u64) -> Outcome {
    let _jitter = testing::seed(seed);
    let dep = Rc::new(Dependency {
        start: Instant::now(),
        arrivals: RefCell::new(Vec::new()),
        calls: RefCell::new(Vec::new()),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let dep = Rc::clone(&dep);
            tokio::task::spawn_local(async move {
                let phase = PERIOD / CLIENTS * client;
                let mut calls = Vec::new();
                let mut next = dep.start + phase;
                while next < dep.start + END {
                    sleep_until(next).await;
                    let dep = Rc::clone(&dep);
                    // Open loop: a slow, retrying call doesn't delay the client's next one.
                    calls.push(tokio::task::spawn_local(async move {
                        let started = dep.start.elapsed();
                        let ok = setting.call(&dep).await.is_ok();
                        dep.calls.borrow_mut().push((started, dep.start.elapsed(), ok));
                    }));
                    next += PERIOD;
                }
                for call in calls {
                    call.await.expect("a call panicked");
                }
            })
        })
        .collect();
    // The bucket is drained by the end of the outage; successes refill it slowly.
    let refill = setting.budget().map(|budget| {
        let start = dep.start;
        tokio::task::spawn_local(async move {
            let mut at = OUTAGE_END;
            while at < END {
                sleep_until(start + at).await;
                if budget.allows_retry() {
                    return Some(at - OUTAGE_END);
                }
                at += Duration::from_millis(100);
            }
            None
        })
    });
    for client in clients {
        client.await.expect("a client panicked");
    }
    let retries_back = match refill {
        Some(task) => task.await.expect("the budget sampler panicked"),
        None => None,
    };
    summarise(setting, &dep, retries_back)
}

fn summarise(setting: Setting, dep: &Dependency, retries_back: Option<Duration>) -> Outcome {
    let arrivals = dep.arrivals.borrow();
    let calls = dep.calls.borrow();
    let in_outage = |t: &Duration| (OUTAGE_START..OUTAGE_END).contains(t);
    let mut per_second = vec![0; END.as_secs() as usize + 2];
    for t in arrivals.iter() {
        per_second[t.as_secs() as usize] += 1;
    }
    let first_success = calls
        .iter()
        .filter(|(_, end, ok)| *ok && *end >= OUTAGE_END)
        .map(|(_, end, _)| *end - OUTAGE_END)
        .min();
    let all_succeed = calls
        .iter()
        .filter(|(_, _, ok)| !ok)
        .map(|(_, end, _)| end.saturating_sub(OUTAGE_END))
        .max()
        .unwrap_or_default();
    let opened = setting.transitions().and_then(|log| {
        let log = log.0.lock().unwrap();
        let opened = log.iter().find_map(|(kind, at)| {
            let at = at.duration_since(dep.start);
            (*kind == EventKind::CircuitOpened && at >= OUTAGE_START).then_some(at)
        })?;
        let before = arrivals
            .iter()
            .filter(|t| (OUTAGE_START..=opened).contains(*t))
            .count();
        Some((opened, before as u64))
    });
    let probes = opened.map_or(0, |(at, _)| {
        arrivals.iter().filter(|t| **t > at && in_outage(t)).count() as u64
    });
    Outcome {
        setting,
        calls_in_outage: calls.iter().filter(|(start, _, _)| in_outage(start)).count() as u64,
        attempts_in_outage: arrivals.iter().filter(|t| in_outage(t)).count() as u64,
        per_second,
        first_success,
        all_succeed,
        retries_back,
        opened,
        probes,
    }
}
