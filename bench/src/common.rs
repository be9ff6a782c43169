//! What every cell shares: the operations under test, the no-op sleepers, the one-poll executor,
//! the hand-written loops and each crate's policy, configured alike.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use retry_runtime::{AsyncSleeper, BlockingSleeper, Jitter, Policy};

/// The first delay of every policy here.
pub const BASE: Duration = Duration::from_millis(100);
/// The cap on every delay.
pub const CAP: Duration = Duration::from_secs(10);

/// The operation of W1 and W2: succeeds unless given `u64::MAX`, which no cell passes, but the
/// compiler cannot know that.
#[inline(never)]
pub fn operation(x: u64) -> Result<u64, u64> {
    if black_box(x) == u64::MAX {
        Err(x)
    } else {
        Ok(x + 1)
    }
}

/// A dependency that fails a set number of times, then answers.
#[derive(Debug)]
pub struct Flaky {
    failures_left: u32,
}

impl Flaky {
    /// Fails `failures` times before it answers.
    pub const fn new(failures: u32) -> Self {
        Flaky {
            failures_left: failures,
        }
    }
}

/// The operation of W3 and W4: fails while `flaky` has failures left.
#[inline(never)]
pub fn flaky(flaky: &mut Flaky, x: u64) -> Result<u64, u64> {
    let flaky = black_box(flaky);
    if flaky.failures_left > 0 {
        flaky.failures_left -= 1;
        Err(x)
    } else {
        Ok(x.wrapping_add(1))
    }
}

/// A sleeper that returns at once, so retry cells measure decisions, not waits. It implements
/// the traits of every crate that lets a caller choose how to wait.
#[derive(Clone, Copy, Debug)]
pub struct NoSleep;

/// The one no-op sleeper, for the attribute's `sleeper = …` key.
pub static NO_SLEEP: NoSleep = NoSleep;

impl BlockingSleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}

impl AsyncSleeper for NoSleep {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, _: Duration) -> Self::Sleep {
        std::future::ready(())
    }
}

impl backoff::future::Sleeper for NoSleep {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, _: Duration) -> Self::Sleep {
        std::future::ready(())
    }
}

/// Polls once with a no-op waker: every future measured here finishes without waiting, so the
/// executor's cost is one poll, the same for every crate.
#[inline(always)]
pub fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a measured future waited"),
    }
}

/// The xorshift seed of the hand loops; mixed with the argument so that it is not a constant.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// One full-jitter draw: uniform in `[0, delay]` by multiply-shift.
#[inline(always)]
pub fn xorshift_full_jitter(state: &mut u64, delay_ns: u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    ((*state as u128 * (delay_ns as u128 + 1)) >> 64) as u64
}

/// The seed a hand loop starts from.
#[inline(always)]
pub fn hand_seed(x: u64) -> u64 {
    SEED ^ x
}

/// What a careful person writes by hand: a running exponential delay, doubled and capped after
/// each failure, an inline xorshift for full jitter, the error dropped before the sleep. Always
/// inlined, so each cell gets the loop it would have had if written out in place.
#[inline(always)]
pub fn hand_loop<T, E>(
    max_attempts: u32,
    base: Duration,
    seed: u64,
    mut sleep: impl FnMut(Duration),
    mut op: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let cap = CAP.as_nanos() as u64;
    let mut delay = base.as_nanos() as u64;
    let mut state = seed;
    let mut attempt = 1;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= max_attempts => return Err(e),
            Err(_) => {
                let jittered = xorshift_full_jitter(&mut state, delay);
                sleep(Duration::from_nanos(jittered));
                delay = delay.saturating_mul(2).min(cap);
                attempt += 1;
            }
        }
    }
}

/// [`hand_loop`] for async operations and sleeps.
pub async fn hand_loop_async<T, E, Op, Fut, Sl, SlFut>(
    max_attempts: u32,
    base: Duration,
    seed: u64,
    mut sleep: Sl,
    mut op: Op,
) -> Result<T, E>
where
    Op: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    Sl: FnMut(Duration) -> SlFut,
    SlFut: Future<Output = ()>,
{
    let cap = CAP.as_nanos() as u64;
    let mut delay = base.as_nanos() as u64;
    let mut state = seed;
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= max_attempts => return Err(e),
            Err(_) => {
                let jittered = xorshift_full_jitter(&mut state, delay);
                sleep(Duration::from_nanos(jittered)).await;
                delay = delay.saturating_mul(2).min(cap);
                attempt += 1;
            }
        }
    }
}

/// `retry_runtime`'s policy for W1/W2: what `#[retry(max_attempts = 3, base = "100ms")]` means.
pub const POLICY_3: Policy = Policy::exponential(BASE)
    .max_attempts(3)
    .max_delay(CAP)
    .jitter(Jitter::Full);
/// W3's policy: five attempts, zero delays.
pub const POLICY_5_ZERO: Policy = Policy::exponential(Duration::ZERO)
    .max_attempts(5)
    .max_delay(CAP)
    .jitter(Jitter::Full);
/// W4's policy: five attempts from 100ms.
pub const POLICY_5: Policy = Policy::exponential(BASE)
    .max_attempts(5)
    .max_delay(CAP)
    .jitter(Jitter::Full);

/// backon's builder for W1/W2. `max_times` counts retries, not attempts.
pub const BACKON_3: backon::ExponentialBuilder = backon::ExponentialBuilder::new()
    .with_jitter()
    .with_factor(2.0)
    .with_min_delay(BASE)
    .with_max_delay(CAP)
    .with_max_times(2);
/// backon's builder for W3.
pub const BACKON_5_ZERO: backon::ExponentialBuilder =
    BACKON_3.with_min_delay(Duration::ZERO).with_max_times(4);
/// backon's builder for W4.
pub const BACKON_5: backon::ExponentialBuilder = BACKON_3.with_max_times(4);

/// tokio-retry's strategy: its `from_millis(b).factor(f)` yields `b·f, b²·f, …`, so 2 × 50ms
/// gives 100ms, 200ms, 400ms, …
pub const TOKIO_RETRY: tokio_retry::strategy::ExponentialBackoff =
    tokio_retry::strategy::ExponentialBackoff::from_millis(2)
        .factor(50)
        .max_delay(CAP);

/// backoff's schedule: 100ms doubling to 10s, no elapsed-time limit (attempts are limited by
/// the operation instead, as backoff users do). Its jitter is its own: ±50% around the value.
pub fn backoff_policy(base: Duration) -> backoff::ExponentialBackoff {
    backoff::ExponentialBackoffBuilder::new()
        .with_initial_interval(base)
        .with_multiplier(2.0)
        .with_max_interval(CAP)
        .with_max_elapsed_time(None)
        .build()
}

/// backoff has no attempt limit: its users count attempts in the operation and make the last
/// failure permanent. `attempt` is 1-based.
#[inline(always)]
pub fn backoff_classify(
    attempt: u32,
    max_attempts: u32,
    result: Result<u64, u64>,
) -> Result<u64, backoff::Error<u64>> {
    result.map_err(|e| {
        if attempt >= max_attempts {
            backoff::Error::permanent(e)
        } else {
            backoff::Error::transient(e)
        }
    })
}

/// Unwraps backoff's error.
#[inline(always)]
pub fn backoff_error(e: backoff::Error<u64>) -> u64 {
    match e {
        backoff::Error::Permanent(e) | backoff::Error::Transient { err: e, .. } => e,
    }
}
