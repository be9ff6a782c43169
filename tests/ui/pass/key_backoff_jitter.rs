// `backoff` with each schedule, and `jitter` with each formula.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::time::Duration;

#[retry(max_attempts = 5, base = "10ms", backoff = "constant", jitter = "none")]
fn constant() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 5, base = "10ms", backoff = "linear", jitter = "none")]
fn linear() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 6, base = "10ms", backoff = "fibonacci", jitter = "none")]
fn fibonacci() -> Result<(), ()> {
    Err(())
}

#[retry(
    max_attempts = 4,
    base = "10ms",
    backoff = "exponential",
    factor = 2.0,
    jitter = "none"
)]
fn exponential() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 4, base = "10ms", max_delay = "25ms", jitter = "full")]
fn full() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 4, base = "10ms", max_delay = "25ms", jitter = "equal")]
fn equal() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 4, base = "10ms", max_delay = "25ms", jitter = "decorrelated")]
fn decorrelated() -> Result<(), ()> {
    Err(())
}

fn delays(f: fn() -> Result<(), ()>) -> Vec<Duration> {
    let sleeps = testing::instant_sleep();
    assert!(f().is_err());
    sleeps.delays()
}

fn main() {
    let ms = Duration::from_millis;
    assert_eq!(delays(constant), [10, 10, 10, 10].map(ms));
    assert_eq!(delays(linear), [10, 20, 30, 40].map(ms));
    assert_eq!(delays(fibonacci), [10, 10, 20, 30, 50].map(ms));
    assert_eq!(delays(exponential), [10, 20, 40].map(ms));
    let _seed = testing::seed(7);
    for f in [full, equal, decorrelated] {
        let delays = delays(f);
        assert_eq!(delays.len(), 3);
        assert!(delays.iter().all(|d| *d <= ms(25)), "{delays:?}");
    }
}
