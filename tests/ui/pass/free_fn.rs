// A free function, with a bare `#[retry]` and with the schedule keys spelled out.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::io;
use std::time::Duration;

#[retry]
fn bare(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    if *calls < 3 {
        return Err(io::ErrorKind::TimedOut.into());
    }
    Ok(*calls)
}

#[retry(
    max_attempts = 5,
    base = "10ms",
    factor = 3,
    max_delay = "200ms",
    jitter = "none"
)]
pub fn schedule(calls: &mut u32) -> Result<(), io::Error> {
    *calls += 1;
    Err(io::ErrorKind::ConnectionReset.into())
}

#[retry(
    max_attempts = 2,
    factor = 1.5,
    base = "1.5s",
    max_delay = "1m",
    jitter = "none"
)]
pub(crate) fn fractional(calls: &mut u32) -> Result<(), io::Error> {
    *calls += 1;
    Err(io::ErrorKind::TimedOut.into())
}

fn main() {
    let sleeps = testing::instant_sleep();

    let mut calls = 0;
    assert_eq!(bare(&mut calls).unwrap(), 3);
    assert_eq!(sleeps.delays().len(), 2);

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(schedule(&mut calls).is_err());
    assert_eq!(calls, 5);
    assert_eq!(sleeps.delays(), [10, 30, 90, 200].map(Duration::from_millis));

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(fractional(&mut calls).is_err());
    assert_eq!(calls, 2);
    assert_eq!(sleeps.delays(), [Duration::from_millis(1500)]);
}
