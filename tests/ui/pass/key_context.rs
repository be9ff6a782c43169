// `context`: the attempt bound inside the body, sync and async, read and steered.
#![deny(warnings)]

use retry_runtime::{Attempt, retry, testing};
use std::time::Duration;

#[retry(max_attempts = 4, base = "1ms", context = attempt)]
fn numbered(seen: &mut Vec<(u32, bool)>) -> Result<u32, String> {
    seen.push((attempt.number(), attempt.is_retry()));
    if attempt.number() < 3 {
        return Err("again".into());
    }
    Ok(attempt.max_attempts())
}

#[retry(max_attempts = 5, base = "1s", context = ctx)]
fn stops_early(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    if *calls == 2 {
        ctx.stop();
    }
    ctx.retry_after(Duration::from_millis(3));
    Err("stop".into())
}

#[retry(max_attempts = 3, base = "1ms", deadline = "1h", context = attempt)]
async fn keys(keys: &mut Vec<String>) -> Result<(), String> {
    keys.push(attempt.idempotency_key().as_str().to_owned());
    let _: Option<Duration> = attempt.remaining();
    let _: Duration = attempt.elapsed();
    tokio::task::yield_now().await;
    Err("down".into())
}

// An unused binding is fine: the attribute allows it.
#[retry(context = unused)]
fn ignores_it() -> Result<(), String> {
    Ok(())
}

fn takes(attempt: &Attempt) -> u32 {
    attempt.number()
}

#[retry(max_attempts = 2, context = a)]
fn passes_it_on() -> Result<u32, String> {
    Ok(takes(a))
}

fn main() {
    let sleeps = testing::instant_sleep();
    let mut seen = Vec::new();
    assert_eq!(numbered(&mut seen), Ok(4));
    assert_eq!(seen, [(1, false), (2, true), (3, true)]);

    let sleeps2 = testing::instant_sleep();
    let mut calls = 0;
    assert!(stops_early(&mut calls).is_err());
    assert_eq!(calls, 2);
    assert_eq!(sleeps2.delays(), [Duration::from_millis(3)]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut seen = Vec::new();
    assert!(runtime.block_on(keys(&mut seen)).is_err());
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|k| *k == seen[0]));

    assert!(ignores_it().is_ok());
    assert_eq!(passes_it_on(), Ok(1));
    drop(sleeps);
}
