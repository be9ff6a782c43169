// `retry_after`: a hint from the error replaces the computed delay (closure and fn path).
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::time::Duration;

#[derive(Debug)]
struct RateLimited {
    wait_ms: u64,
}

fn hint(error: &RateLimited) -> Option<Duration> {
    Some(Duration::from_millis(error.wait_ms))
}

#[retry(max_attempts = 3, base = "1s", jitter = "full", retry_after = hint)]
fn path() -> Result<(), RateLimited> {
    Err(RateLimited { wait_ms: 70 })
}

#[retry(
    max_attempts = 3,
    base = "1s",
    max_delay = "5s",
    retry_after = |e: &RateLimited| (e.wait_ms > 0).then(|| Duration::from_millis(e.wait_ms)),
)]
fn closure(wait_ms: u64) -> Result<(), RateLimited> {
    Err(RateLimited { wait_ms })
}

#[retry(max_attempts = 2, base = "1ms", max_delay = "20ms", retry_after = |_| Some(Duration::from_secs(60)))]
fn capped() -> Result<(), RateLimited> {
    Err(RateLimited { wait_ms: 0 })
}

fn main() {
    let ms = Duration::from_millis;
    let sleeps = testing::instant_sleep();
    assert!(path().is_err());
    assert_eq!(sleeps.delays(), [70, 70].map(ms));

    let sleeps = testing::instant_sleep();
    assert!(closure(0).is_err());
    assert_eq!(sleeps.delays().len(), 2);
    assert!(sleeps.delays().iter().all(|d| *d <= Duration::from_secs(2)));

    let sleeps = testing::instant_sleep();
    assert!(capped().is_err());
    assert_eq!(sleeps.delays(), [ms(20)]);
}
