//! W1: a sync call that succeeds on its first attempt. Each crate at its defaults for waiting
//! (a thread sleep), since nothing sleeps on this path.

use backon::BlockingRetryable;

use crate::common::{
    BACKON_3, BASE, CAP, POLICY_3, backoff_classify, backoff_error, backoff_policy, hand_loop, hand_seed,
    operation,
};
use crate::{Cell, fold};

#[retry_runtime::retry(
    max_attempts = 3,
    base = "100ms",
    max_delay = "10s",
    jitter = "full",
    doc = false
)]
fn attributed(x: u64) -> Result<u64, u64> {
    operation(x)
}

#[inline(never)]
fn direct(x: u64) -> u64 {
    fold(operation(x))
}

#[inline(never)]
fn hand(x: u64) -> u64 {
    fold(hand_loop(3, BASE, hand_seed(x), std::thread::sleep, || {
        operation(x)
    }))
}

#[inline(never)]
fn attr(x: u64) -> u64 {
    fold(attributed(x))
}

#[inline(never)]
fn call(x: u64) -> u64 {
    fold(retry_runtime::call(&POLICY_3, |_| operation(x)))
}

#[inline(never)]
fn backon(x: u64) -> u64 {
    fold((|| operation(x)).retry(BACKON_3).call())
}

#[inline(never)]
fn backoff(x: u64) -> u64 {
    let mut attempt = 0;
    fold(
        ::backoff::retry(backoff_policy(BASE), || {
            attempt += 1;
            backoff_classify(attempt, 3, operation(x))
        })
        .map_err(backoff_error),
    )
}

#[inline(never)]
fn retry(x: u64) -> u64 {
    let delays = ::retry::delay::Exponential::from_millis(BASE.as_millis() as u64)
        .map(|d| ::retry::delay::jitter(d).min(CAP))
        .take(2);
    fold(::retry::retry(delays, || operation(x)).map_err(|e| e.error))
}

pub(crate) const CELLS: &[Cell] = &[
    Cell {
        workload: "w1",
        way: "direct",
        run: direct,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "hand",
        run: hand,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "attr",
        run: attr,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "call",
        run: call,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "backon",
        run: backon,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "backoff",
        run: backoff,
        expect: 8,
    },
    Cell {
        workload: "w1",
        way: "retry",
        run: retry,
        expect: 8,
    },
];
