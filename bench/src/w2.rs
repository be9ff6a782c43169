//! W2: an async call that succeeds on its first attempt, driven by one poll with a no-op waker.
//! Each crate with its default (tokio) timer, since nothing sleeps on this path.

use backon::Retryable;

use crate::common::{
    BACKON_3, BASE, POLICY_3, TOKIO_RETRY, backoff_classify, backoff_policy, hand_loop_async, hand_seed,
    operation, poll_once,
};
use crate::{Cell, fold};

#[retry_runtime::retry(
    max_attempts = 3,
    base = "100ms",
    max_delay = "10s",
    jitter = "full",
    doc = false
)]
async fn attributed(x: u64) -> Result<u64, u64> {
    operation(x)
}

#[inline(never)]
fn direct(x: u64) -> u64 {
    fold(poll_once(async move { operation(x) }))
}

#[inline(never)]
fn hand(x: u64) -> u64 {
    fold(poll_once(hand_loop_async(
        3,
        BASE,
        hand_seed(x),
        tokio::time::sleep,
        || async move { operation(x) },
    )))
}

#[inline(never)]
fn attr(x: u64) -> u64 {
    fold(poll_once(attributed(x)))
}

#[inline(never)]
fn call(x: u64) -> u64 {
    fold(poll_once(retry_runtime::call_async(&POLICY_3, async |_| {
        operation(x)
    })))
}

#[inline(never)]
fn backon(x: u64) -> u64 {
    fold(poll_once((|| async move { operation(x) }).retry(BACKON_3)))
}

#[inline(never)]
fn backoff(x: u64) -> u64 {
    let mut attempt = 0;
    let retried = ::backoff::future::retry(backoff_policy(BASE), || {
        attempt += 1;
        let attempt = attempt;
        async move { backoff_classify(attempt, 3, operation(x)) }
    });
    fold(poll_once(retried))
}

#[inline(never)]
fn tokio_retry(x: u64) -> u64 {
    let strategy = TOKIO_RETRY.map(tokio_retry::strategy::jitter).take(2);
    fold(poll_once(tokio_retry::Retry::start(strategy, || async move {
        operation(x)
    })))
}

pub(crate) const CELLS: &[Cell] = &[
    Cell {
        workload: "w2",
        way: "direct",
        run: direct,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "hand",
        run: hand,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "attr",
        run: attr,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "call",
        run: call,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "backon",
        run: backon,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "backoff",
        run: backoff,
        expect: 8,
    },
    Cell {
        workload: "w2",
        way: "tokio-retry",
        run: tokio_retry,
        expect: 8,
    },
];
