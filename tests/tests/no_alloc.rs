//! "No call allocates on the heap", measured: a counting global allocator counts the
//! allocations made on the current thread while a measured region runs. The test harness and
//! other test threads allocate freely; only the measured region of the measuring thread counts.
//!
//! No global observer is installed in this binary (an observer is the user's code, and may
//! allocate), sleeps go through a sleeper that neither sleeps nor allocates, and jitter stays on
//! so that the random generator is exercised.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use retry_runtime::{AsyncSleeper, Attempt, BlockingSleeper, Elapsed, Jitter, Policy, retry};

struct Counting;

thread_local! {
    // `const` and without destructors, so reading them never allocates or registers anything.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    let _ = MEASURING.try_with(|measuring| {
        if measuring.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only
// const thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the number of allocations it made on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    MEASURING.with(|m| m.set(true));
    let result = f();
    MEASURING.with(|m| m.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

/// Polls a future to completion with a no-op waker; the futures here never wait.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future did not finish in 1000 polls");
}

/// Counts sleeps without sleeping or allocating.
struct NoSleep {
    sleeps: AtomicU32,
}

impl BlockingSleeper for NoSleep {
    fn sleep(&self, _delay: Duration) {
        self.sleeps.fetch_add(1, Ordering::Relaxed);
    }
}

impl AsyncSleeper for NoSleep {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, _delay: Duration) -> Self::Sleep {
        self.sleeps.fetch_add(1, Ordering::Relaxed);
        std::future::ready(())
    }
}

static SLEEPER: NoSleep = NoSleep {
    sleeps: AtomicU32::new(0),
};

/// An error that is an `Error` with a source, so classification walks a chain and the error
/// view takes its richest form.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ApiError {
    Unavailable(Inner),
    BadRequest,
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Inner;

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("inner")
    }
}
impl std::error::Error for Inner {}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("api error")
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Unavailable(inner) => Some(inner),
            _ => None,
        }
    }
}

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError::TimedOut
    }
}

fn warm_up() {
    // The first failure on a thread seeds its random generator from the OS; do that outside
    // the measured regions so each test measures calls, not thread start-up.
    let _ = flaky(&mut 0, 1);
}

// ---------------------------------------------------------------------------------------------
// Sites

#[retry]
fn succeeds() -> Result<u32, ApiError> {
    Ok(1)
}

#[retry(max_attempts = 5, base = "10ms", jitter = "full", sleeper = SLEEPER, on = Inner)]
fn flaky(calls: &mut u32, failures: u32) -> Result<u32, ApiError> {
    *calls += 1;
    if *calls <= failures {
        Err(ApiError::Unavailable(Inner))
    } else {
        Ok(*calls)
    }
}

#[retry(max_attempts = 4, base = "10ms", jitter = "decorrelated", sleeper = SLEEPER)]
fn always_fails() -> Result<(), ApiError> {
    Err(ApiError::Unavailable(Inner))
}

#[retry(max_attempts = 4, base = "10ms", jitter = "equal", sleeper = SLEEPER, when = |e| *e != ApiError::BadRequest)]
fn not_retryable() -> Result<(), ApiError> {
    Err(ApiError::BadRequest)
}

#[retry(max_attempts = 4, base = "2s", deadline = "1s", sleeper = SLEEPER)]
fn past_deadline() -> Result<(), ApiError> {
    Err(ApiError::Unavailable(Inner))
}

#[retry(max_attempts = 6, base = "10ms", jitter = "full", sleeper = SLEEPER, until = |v| *v >= 3)]
fn poll_until(polls: &mut u32) -> Option<u32> {
    *polls += 1;
    Some(*polls)
}

#[retry(max_attempts = 4, base = "10ms", jitter = "full", sleeper = SLEEPER, context = attempt, retry_after = |_e| Some(Duration::from_millis(5)))]
fn with_context(keys: &mut [u128; 4]) -> Result<u32, ApiError> {
    let n = attempt.number();
    keys[n as usize - 1] = attempt.idempotency_key().as_u128();
    if n == 2 {
        attempt.retry_after(Duration::from_millis(1));
    }
    if n < 3 {
        Err(ApiError::Unavailable(Inner))
    } else {
        Ok(n)
    }
}

#[retry(policy = policy, sleeper = SLEEPER)]
fn with_policy_expression(policy: &Policy, calls: &mut u32) -> Result<u32, ApiError> {
    *calls += 1;
    if *calls < 3 {
        Err(ApiError::Unavailable(Inner))
    } else {
        Ok(*calls)
    }
}

#[retry]
async fn succeeds_async() -> Result<u32, ApiError> {
    Ok(1)
}

#[retry(max_attempts = 5, base = "10ms", jitter = "full", sleeper = SLEEPER, context = attempt, attempt_timeout = "1s")]
async fn flaky_async(calls: &mut u32) -> Result<u32, ApiError> {
    *calls += 1;
    let _ = attempt.idempotency_key();
    if *calls < 3 {
        Err(ApiError::Unavailable(Inner))
    } else {
        Ok(*calls)
    }
}

#[retry(max_attempts = 3, base = "10ms", jitter = "full", sleeper = SLEEPER, attempt_timeout = "10ms")]
async fn times_out() -> Result<(), ApiError> {
    std::future::pending::<()>().await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn the_allocator_counts_what_it_should() {
    let (v, n) = allocations(|| vec![1u8; 16]);
    assert_eq!(v.len(), 16);
    assert_eq!(n, 1);
    let ((), n) = allocations(|| ());
    assert_eq!(n, 0);
}

#[test]
fn first_attempt_success_does_not_allocate() {
    let (result, n) = allocations(succeeds);
    assert_eq!(result, Ok(1));
    assert_eq!(n, 0);
}

#[test]
fn first_attempt_success_of_an_async_fn_does_not_allocate() {
    let (result, n) = allocations(|| block_on(succeeds_async()));
    assert_eq!(result, Ok(1));
    assert_eq!(n, 0);
}

#[test]
fn the_first_failure_on_a_fresh_thread_does_not_allocate() {
    // A new thread: its random generator is seeded inside the measured region.
    let n = std::thread::spawn(|| {
        let mut calls = 0;
        let (result, n) = allocations(|| flaky(&mut calls, 2));
        assert_eq!(result, Ok(3));
        n
    })
    .join()
    .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn retries_with_jittered_delays_do_not_allocate() {
    warm_up();
    let before = SLEEPER.sleeps.load(Ordering::Relaxed);
    let mut calls = 0;
    let (result, n) = allocations(|| flaky(&mut calls, 3));
    assert_eq!(result, Ok(4));
    assert_eq!(n, 0);
    assert!(SLEEPER.sleeps.load(Ordering::Relaxed) > before);
}

#[test]
fn giving_up_does_not_allocate() {
    warm_up();
    let (exhausted, n) = allocations(always_fails);
    assert!(exhausted.is_err());
    assert_eq!(n, 0, "exhausted");
    let (rejected, n) = allocations(not_retryable);
    assert_eq!(rejected, Err(ApiError::BadRequest));
    assert_eq!(n, 0, "not retryable");
    let (late, n) = allocations(past_deadline);
    assert!(late.is_err());
    assert_eq!(n, 0, "deadline");
}

#[test]
fn until_does_not_allocate() {
    warm_up();
    let mut polls = 0;
    let (result, n) = allocations(|| poll_until(&mut polls));
    assert_eq!(result, Some(3));
    assert_eq!(n, 0);
}

#[test]
fn context_and_idempotency_keys_do_not_allocate() {
    warm_up();
    let mut keys = [0u128; 4];
    let (result, n) = allocations(|| with_context(&mut keys));
    assert_eq!(result, Ok(3));
    assert_eq!(n, 0);
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[1], keys[2]);
}

#[test]
fn a_policy_expression_does_not_allocate() {
    warm_up();
    let policy = Policy::fibonacci(Duration::from_millis(3))
        .max_attempts(4)
        .jitter(Jitter::Full);
    let mut calls = 0;
    let (result, n) = allocations(|| with_policy_expression(&policy, &mut calls));
    assert_eq!(result, Ok(3));
    assert_eq!(n, 0);
}

#[test]
fn async_retries_and_timeouts_do_not_allocate() {
    warm_up();
    let mut calls = 0;
    let (result, n) = allocations(|| block_on(flaky_async(&mut calls)));
    assert_eq!(result, Ok(3));
    assert_eq!(n, 0, "retries");
    // The sleeper's timer is ready at once, so every attempt times out.
    let (result, n) = allocations(|| block_on(times_out()));
    assert_eq!(result, Err(ApiError::TimedOut));
    assert_eq!(n, 0, "timeouts");
}

#[test]
fn call_does_not_allocate() {
    warm_up();
    // Zero delays are never slept, so the default thread sleeper is never reached.
    let policy = Policy::constant(Duration::ZERO).max_attempts(4);
    let (result, n) = allocations(|| {
        retry_runtime::call(&policy, |attempt: &Attempt| {
            let _ = attempt.idempotency_key();
            if attempt.number() < 3 {
                Err(ApiError::BadRequest)
            } else {
                Ok(attempt.number())
            }
        })
    });
    assert_eq!(result, Ok(3));
    assert_eq!(n, 0, "call");

    let jittered = Policy::exponential(Duration::from_millis(10))
        .max_attempts(5)
        .jitter(Jitter::Decorrelated);
    let (result, n) = allocations(|| retry_runtime::call_with(&jittered, &SLEEPER, |_| None::<u32>));
    assert_eq!(result, None);
    assert_eq!(n, 0, "call_with");

    let (result, n) = allocations(|| {
        block_on(retry_runtime::call_async_with(
            &jittered,
            &SLEEPER,
            async |attempt| {
                if attempt.is_retry() {
                    Ok(attempt.number())
                } else {
                    Err(ApiError::BadRequest)
                }
            },
        ))
    });
    assert_eq!(result, Ok(2));
    assert_eq!(n, 0, "call_async_with");
}

static GUARD_BUDGET: retry_runtime::RetryBudget = retry_runtime::RetryBudget::new(10, 0.5);
static GUARD_BREAKER: retry_runtime::CircuitBreaker = retry_runtime::CircuitBreaker::new()
    .minimum_calls(1_000)
    .window(Duration::from_secs(60));

#[retry(max_attempts = 4, base = "1ms", jitter = "full", sleeper = SLEEPER, budget = GUARD_BUDGET, breaker = GUARD_BREAKER)]
fn guarded(fail_first: u32, calls: &mut u32) -> Result<u32, ApiError> {
    *calls += 1;
    if *calls <= fail_first {
        Err(ApiError::Unavailable(Inner))
    } else {
        Ok(*calls)
    }
}

impl From<retry_runtime::CircuitOpen> for ApiError {
    fn from(_: retry_runtime::CircuitOpen) -> Self {
        ApiError::BadRequest
    }
}

/// A budget and a breaker on the path: successes, retries, the breaker's window and the
/// budget's tokens all update atomics in `static`s, never the heap.
#[test]
fn budget_and_breaker_sites_do_not_allocate() {
    // The first reading of the breaker's clock initialises a process-wide epoch: do it outside.
    let mut warm = 0;
    let _ = guarded(0, &mut warm);
    for fail_first in [0, 2, 10] {
        let mut calls = 0;
        let (_, allocations) = allocations(|| guarded(fail_first, &mut calls));
        assert_eq!(allocations, 0, "{fail_first} failures first");
    }
}
