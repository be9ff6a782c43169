//! W4: the price of one retry decision.
//!
//! `w4d` computes one jittered delay from a fresh schedule, for the crates that expose their
//! schedule (retry-runtime keeps its schedule private: its delay is only ever computed inside a
//! failure). The cell returns 1 when the delay lies in the range the crate documents, which
//! also checks that each crate is configured as intended.
//!
//! `w4f` runs four failures then a success with real (100ms, full jitter) delays through a no-op
//! sleeper; `w4s` is the same configuration succeeding at once. (W4f − W4s) / 4 is the marginal
//! cost of one failure: calling the operation again, classifying its error, computing the
//! jittered delay and handing it to the sleeper. It is the one measure that exists for every
//! crate that accepts a no-op sleeper, retry-runtime included.

use std::time::Duration;

use backoff::backoff::Backoff;
use backon::{BackoffBuilder, BlockingRetryable};

use crate::Cell;
use crate::common::{
    BACKON_5, BASE, CAP, Flaky, NO_SLEEP, POLICY_5, TOKIO_RETRY, backoff_policy, flaky, hand_loop, hand_seed,
    xorshift_full_jitter,
};
use crate::duties::duty_loop;
use crate::fold;

/// 1 when `delay` is in `[low, high]`.
#[inline(always)]
fn within(delay: Option<Duration>, low: Duration, high: Duration) -> u64 {
    delay.is_some_and(|d| low <= d && d <= high) as u64
}

#[inline(never)]
fn w4d_hand(x: u64) -> u64 {
    let mut state = hand_seed(x);
    let delay = Duration::from_nanos(xorshift_full_jitter(
        &mut state,
        (BASE.as_nanos() as u64).min(CAP.as_nanos() as u64),
    ));
    within(Some(delay), Duration::ZERO, BASE)
}

#[inline(never)]
fn w4d_backon(_: u64) -> u64 {
    // backon's jitter adds up to one more delay: [d, 2d].
    within(BACKON_5.build().next(), BASE, 2 * BASE)
}

#[inline(never)]
fn w4d_tokio_retry(_: u64) -> u64 {
    within(
        TOKIO_RETRY.map(tokio_retry::strategy::jitter).next(),
        Duration::ZERO,
        BASE,
    )
}

#[inline(never)]
fn w4d_retry(_: u64) -> u64 {
    let mut delays =
        ::retry::delay::Exponential::from_millis(BASE.as_millis() as u64).map(::retry::delay::jitter);
    within(delays.next(), Duration::ZERO, BASE)
}

#[inline(never)]
fn w4d_backoff(_: u64) -> u64 {
    // backoff builds its schedule with a clock read and reads the clock again for each delay.
    within(backoff_policy(BASE).next_backoff(), BASE / 2, BASE * 3 / 2)
}

#[retry_runtime::retry(max_attempts = 5, base = "100ms", max_delay = "10s", jitter = "full", sleeper = NO_SLEEP, doc = false)]
fn attributed(f: &mut Flaky, x: u64) -> Result<u64, u64> {
    flaky(f, x)
}

#[inline(always)]
fn hand(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(hand_loop(
        5,
        BASE,
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
        BASE,
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
    fold(retry_runtime::call_with(&POLICY_5, &NO_SLEEP, |_| {
        flaky(&mut f, x)
    }))
}

#[inline(always)]
fn backon(failures: u32, x: u64) -> u64 {
    let mut f = Flaky::new(failures);
    fold(
        (|| flaky(&mut f, x))
            .retry(BACKON_5)
            .sleep(|_: Duration| {})
            .call(),
    )
}

crate::w3::cells! {
    "w4f" "hand" w4f_hand = hand(4);
    "w4f" "duties" w4f_duties = duties(4);
    "w4f" "attr" w4f_attr = attr(4);
    "w4f" "call" w4f_call = call(4);
    "w4f" "backon" w4f_backon = backon(4);
    "w4s" "hand" w4s_hand = hand(0);
    "w4s" "duties" w4s_duties = duties(0);
    "w4s" "attr" w4s_attr = attr(0);
    "w4s" "call" w4s_call = call(0);
    "w4s" "backon" w4s_backon = backon(0);
}

/// The `w4d` cells; their value is 1 (the delay was in range), not 8.
pub(crate) const DELAY_CELLS: &[Cell] = &[
    Cell {
        workload: "w4d",
        way: "hand",
        run: w4d_hand,
        expect: 1,
    },
    Cell {
        workload: "w4d",
        way: "backon",
        run: w4d_backon,
        expect: 1,
    },
    Cell {
        workload: "w4d",
        way: "backoff",
        run: w4d_backoff,
        expect: 1,
    },
    Cell {
        workload: "w4d",
        way: "tokio-retry",
        run: w4d_tokio_retry,
        expect: 1,
    },
    Cell {
        workload: "w4d",
        way: "retry",
        run: w4d_retry,
        expect: 1,
    },
];
