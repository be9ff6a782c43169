//! W5: how much a retrying future adds around the body's future. The body is an async block of
//! exactly [`BODY_FUTURE_SIZE`] bytes (a buffer held across an `.await`); each crate wraps it as
//! its users would, once with its default timer (tokio's) and once with a no-op sleeper where it
//! takes one. The timer's own future is part of what a crate adds: it is stored in the retrying
//! future while it sleeps.

use std::mem::size_of_val;
use std::time::Duration;

use backon::Retryable;

use crate::common::{
    BACKON_3, BASE, NO_SLEEP, NoSleep, POLICY_3, TOKIO_RETRY, backoff_policy, hand_loop_async, hand_seed,
    operation,
};

/// The size of the body's future, in bytes.
pub const BODY_FUTURE_SIZE: usize = 80;

/// The body: 70 bytes of buffer held across an await, plus its captured argument and state, make
/// an 80-byte future (checked by a test).
async fn body(x: u64) -> Result<u64, u64> {
    let buffer = [x as u8; 70];
    std::future::ready(()).await;
    operation(buffer.iter().map(|&b| u64::from(b)).sum())
}

#[retry_runtime::retry(
    max_attempts = 3,
    base = "100ms",
    max_delay = "10s",
    jitter = "full",
    doc = false
)]
async fn attributed_tokio(x: u64) -> Result<u64, u64> {
    body(x).await
}

#[retry_runtime::retry(max_attempts = 3, base = "100ms", max_delay = "10s", jitter = "full", sleeper = NO_SLEEP, doc = false)]
async fn attributed_no_sleep(x: u64) -> Result<u64, u64> {
    body(x).await
}

/// One line of the W5 table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FutureSize {
    /// The way of retrying, as in [`Cell::way`](crate::Cell::way).
    pub way: &'static str,
    /// `tokio` (the crate's default timer), `no-op`, or `-` for the bare body.
    pub sleeper: &'static str,
    /// `size_of_val` of the future, in bytes.
    pub bytes: usize,
}

/// Every crate's retrying future around the same body, measured with `size_of_val`. The futures
/// are built and dropped, never polled.
pub fn future_sizes() -> Vec<FutureSize> {
    let x = 7;
    let no_sleep = |_: Duration| std::future::ready(());
    let to_backoff = |r: Result<u64, u64>| r.map_err(backoff::Error::transient);
    let line = |way, sleeper, bytes| FutureSize { way, sleeper, bytes };
    vec![
        line("direct", "-", size_of_val(&body(x))),
        line(
            "hand",
            "tokio",
            size_of_val(&hand_loop_async(
                3,
                BASE,
                hand_seed(x),
                tokio::time::sleep,
                || body(x),
            )),
        ),
        line(
            "hand",
            "no-op",
            size_of_val(&hand_loop_async(3, BASE, hand_seed(x), no_sleep, || body(x))),
        ),
        line("attr", "tokio", size_of_val(&attributed_tokio(x))),
        line("attr", "no-op", size_of_val(&attributed_no_sleep(x))),
        line(
            "call",
            "tokio",
            size_of_val(&retry_runtime::call_async(&POLICY_3, async |_| body(x).await)),
        ),
        line(
            "call",
            "no-op",
            size_of_val(&retry_runtime::call_async_with(
                &POLICY_3,
                &NO_SLEEP,
                async |_| body(x).await,
            )),
        ),
        line("backon", "tokio", size_of_val(&(|| body(x)).retry(BACKON_3))),
        line(
            "backon",
            "no-op",
            size_of_val(&(|| body(x)).retry(BACKON_3).sleep(no_sleep)),
        ),
        line(
            "backoff",
            "tokio",
            size_of_val(&backoff::future::retry(backoff_policy(BASE), || async move {
                to_backoff(body(x).await)
            })),
        ),
        line(
            "backoff",
            "no-op",
            size_of_val(&backoff::future::Retry::new(
                NoSleep,
                backoff_policy(BASE),
                |_: u64, _: Duration| {},
                || async move { to_backoff(body(x).await) },
            )),
        ),
        line(
            "tokio-retry",
            "tokio",
            size_of_val(&tokio_retry::Retry::start(
                TOKIO_RETRY.map(tokio_retry::strategy::jitter).take(2),
                || body(x),
            )),
        ),
    ]
}
