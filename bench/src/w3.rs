//! W3: four failures then success, zero delays, through a no-op sleeper wherever the crate takes
//! one (backoff's and `retry`'s sync loops always call `std::thread::sleep`, which returns at
//! once for zero). W3s: the same configuration succeeding at once, so that
//! (W3 − W3s) / 4 is the marginal cost of one failure. W3a: W3 for async loops (tokio-retry is
//! left out: it can only sleep on tokio's timer, which needs a running runtime).

use std::time::Duration;

use backon::{BlockingRetryable, Retryable};

use crate::common::{
    BACKON_5_ZERO, Flaky, NO_SLEEP, NoSleep, POLICY_5_ZERO, backoff_classify, backoff_error, backoff_policy,
    flaky, hand_loop, hand_loop_async, hand_seed, poll_once,
};
use crate::duties::{duty_loop, duty_loop_async};
use crate::{Cell, fold};

#[retry_runtime::retry(max_attempts = 5, base = "0ns", max_delay = "10s", jitter = "full", sleeper = NO_SLEEP, doc = false)]
fn attributed(f: &mut Flaky, x: u64) -> Result<u64, u64> {
    flaky(f, x)
}

#[retry_runtime::retry(max_attempts = 5, base = "0ns", max_delay = "10s", jitter = "full", sleeper = NO_SLEEP, doc = false)]
async fn attributed_async(f: &mut Flaky, x: u64) -> Result<u64, u64> {
    flaky(f, x)
}

#[inline(always)]
fn hand(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(hand_loop(
        5,
        Duration::ZERO,
        hand_seed(x),
        |d| retry_runtime::BlockingSleeper::sleep(&NO_SLEEP, d),
        || flaky(&mut f, x),
    ))
}

#[inline(always)]
fn duties(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(duty_loop(
        5,
        Duration::ZERO,
        |d| retry_runtime::BlockingSleeper::sleep(&NO_SLEEP, d),
        || flaky(&mut f, x),
    ))
}

#[inline(always)]
fn attr(failures: u32, x: u64) -> u64 {
    fold(attributed(&mut Flaky::new(failures), x))
}

#[inline(always)]
fn call(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(retry_runtime::call_with(&POLICY_5_ZERO, &NO_SLEEP, |_| {
        flaky(&mut f, x)
    }))
}

#[inline(always)]
fn backon(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(
        (|| flaky(&mut f, x))
            .retry(BACKON_5_ZERO)
            .sleep(|_: Duration| {})
            .call(),
    )
}

#[inline(always)]
fn backoff(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let mut attempt = 0;
    let result = ::backoff::retry(backoff_policy(Duration::ZERO), || {
        attempt += 1;
        backoff_classify(attempt, 5, flaky(&mut f, x))
    });
    fold(result.map_err(backoff_error))
}

#[inline(always)]
fn retry(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let delays = ::retry::delay::Exponential::from_millis(0)
        .map(::retry::delay::jitter)
        .take(4);
    fold(::retry::retry(delays, || flaky(&mut f, x)).map_err(|e| e.error))
}

#[inline(always)]
fn hand_async(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let sleep = |d| retry_runtime::AsyncSleeper::sleep(&NO_SLEEP, d);
    fold(poll_once(hand_loop_async(
        5,
        Duration::ZERO,
        hand_seed(x),
        sleep,
        || {
            let result = flaky(&mut f, x);
            async move { result }
        },
    )))
}

#[inline(always)]
fn duties_async(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let sleep = |d| retry_runtime::AsyncSleeper::sleep(&NO_SLEEP, d);
    fold(poll_once(duty_loop_async(5, Duration::ZERO, sleep, || {
        let result = flaky(&mut f, x);
        async move { result }
    })))
}

#[inline(always)]
fn attr_async(failures: u32, x: u64) -> u64 {
    fold(poll_once(attributed_async(&mut Flaky::new(failures), x)))
}

#[inline(always)]
fn call_async(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(poll_once(retry_runtime::call_async_with(
        &POLICY_5_ZERO,
        &NO_SLEEP,
        async |_| flaky(&mut f, x),
    )))
}

#[inline(always)]
fn backon_async(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let op = || {
        let result = flaky(&mut f, x);
        async move { result }
    };
    fold(poll_once(
        op.retry(BACKON_5_ZERO)
            .sleep(|_: Duration| std::future::ready(())),
    ))
}

#[inline(always)]
fn backoff_async(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    let mut attempt = 0;
    let op = || {
        attempt += 1;
        let result = backoff_classify(attempt, 5, flaky(&mut f, x));
        async move { result }
    };
    let retried = ::backoff::future::Retry::new(
        NoSleep,
        backoff_policy(Duration::ZERO),
        |_: u64, _: Duration| {},
        op,
    );
    fold(poll_once(retried))
}

/// Declares `#[inline(never)]` cells from the `#[inline(always)]` bodies above, so that every
/// cell has the same boundary, and lists them.
macro_rules! cells {
    ($($workload:literal $way:literal $name:ident = $body:ident($failures:expr);)*) => {
        $(
            #[inline(never)]
            fn $name(x: u64) -> u64 {
                $body($failures, x)
            }
        )*
        pub(crate) const CELLS: &[Cell] = &[$(Cell { workload: $workload, way: $way, run: $name, expect: 8 }),*];
    };
}
pub(crate) use cells;

cells! {
    "w3" "hand" w3_hand = hand(4);
    "w3" "duties" w3_duties = duties(4);
    "w3" "attr" w3_attr = attr(4);
    "w3" "call" w3_call = call(4);
    "w3" "backon" w3_backon = backon(4);
    "w3" "backoff" w3_backoff = backoff(4);
    "w3" "retry" w3_retry = retry(4);
    "w3s" "hand" w3s_hand = hand(0);
    "w3s" "duties" w3s_duties = duties(0);
    "w3s" "attr" w3s_attr = attr(0);
    "w3s" "call" w3s_call = call(0);
    "w3s" "backon" w3s_backon = backon(0);
    "w3s" "backoff" w3s_backoff = backoff(0);
    "w3s" "retry" w3s_retry = retry(0);
    "w3a" "hand" w3a_hand = hand_async(4);
    "w3a" "duties" w3a_duties = duties_async(4);
    "w3a" "attr" w3a_attr = attr_async(4);
    "w3a" "call" w3a_call = call_async(4);
    "w3a" "backon" w3a_backon = backon_async(4);
    "w3a" "backoff" w3a_backoff = backoff_async(4);
}
