// `deadline`, with and without `max_attempts`.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::time::Duration;

#[retry(base = "100ms", jitter = "none", backoff = "constant", deadline = "1s")]
fn deadline_only(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    // Make time pass for real, so that the deadline ends the loop.
    std::thread::sleep(Duration::from_millis(60));
    Err("down".into())
}

#[retry(max_attempts = 2, base = "10ms", deadline = "10s")]
fn both(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    Err("down".into())
}

#[retry(max_attempts = 3, base = "10ms", jitter = "none", deadline = "1s")]
async fn deadline_async(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    tokio::time::sleep(Duration::from_millis(400)).await;
    Err("down".into())
}

fn main() {
    let mut calls = 0;
    assert!(deadline_only(&mut calls).is_err());
    // 60ms per attempt plus 100ms of sleep: the one-second budget allows a handful.
    assert!((3..=10).contains(&calls), "{calls}");

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(both(&mut calls).is_err());
    assert_eq!(calls, 2);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let mut calls = 0;
    assert!(runtime.block_on(deadline_async(&mut calls)).is_err());
    assert_eq!(calls, 3);
}
