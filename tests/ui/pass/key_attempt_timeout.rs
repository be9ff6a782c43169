// `attempt_timeout` on an async fn whose error type has `From<retry_runtime::Elapsed>`.
#![deny(warnings)]

use retry_runtime::{Elapsed, retry};
use std::io;
use std::time::Duration;

#[derive(Debug, PartialEq)]
enum ApiError {
    Timeout,
    Other,
}

impl From<Elapsed> for ApiError {
    fn from(_: Elapsed) -> Self {
        ApiError::Timeout
    }
}

#[retry(max_attempts = 3, base = "10ms", attempt_timeout = "50ms")]
async fn slow(calls: &mut u32, work: Duration) -> Result<u32, ApiError> {
    *calls += 1;
    tokio::time::sleep(work).await;
    if work.is_zero() {
        return Err(ApiError::Other);
    }
    Ok(*calls)
}

// `std::io::Error` has the `From<Elapsed>` impl already.
#[retry(max_attempts = 2, base = "10ms", attempt_timeout = "1s", deadline = "10s")]
async fn io(calls: &mut u32) -> io::Result<()> {
    *calls += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

// `Option` needs nothing: a timed-out attempt is `None`.
#[retry(max_attempts = 2, base = "10ms", attempt_timeout = "1ms")]
async fn option() -> Option<()> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Some(())
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let mut calls = 0;
    assert_eq!(
        slow(&mut calls, Duration::from_secs(1)).await,
        Err(ApiError::Timeout)
    );
    assert_eq!(calls, 3);
    let mut calls = 0;
    assert_eq!(slow(&mut calls, Duration::from_millis(10)).await, Ok(1));
    let mut calls = 0;
    let error = io(&mut calls).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(calls, 2);
    assert_eq!(option().await, None);
}
