// The body's own `break`, `continue`, labelled loops, `return` and `?` stay the body's: `return`
// and `?` end the attempt (which is then retried), loops never reach the generated loop.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::io;

#[retry(max_attempts = 4, base = "1ms")]
fn loops(calls: &mut u32, items: &[i32]) -> Result<i32, String> {
    *calls += 1;
    let mut total = 0;
    for &item in items {
        if item < 0 {
            continue;
        }
        if item > 100 {
            break;
        }
        total += item;
    }
    let mut n = 0;
    'outer: loop {
        loop {
            n += 1;
            if n == 3 {
                break 'outer;
            }
            if n % 2 == 0 {
                continue 'outer;
            }
        }
    }
    let found = loop {
        break n * 2;
    };
    if *calls < 3 {
        return Err(format!("attempt {calls} fails"));
    }
    Ok(total + found)
}

#[retry(max_attempts = 3, base = "1ms")]
fn question_mark(inputs: &mut Vec<&str>) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    let input = inputs.pop().ok_or("empty")?;
    let parsed: u32 = input.parse()?;
    Ok(parsed)
}

#[retry(max_attempts = 3, base = "1ms")]
fn early_option(values: &mut Vec<Option<u32>>) -> Option<u32> {
    let value = values.pop()??;
    if value == 0 {
        return None;
    }
    Some(value)
}

#[retry(max_attempts = 3, base = "1ms")]
async fn async_flow(inputs: &mut Vec<&str>) -> io::Result<u32> {
    let mut sum = 0;
    while let Some(input) = inputs.pop() {
        if input.is_empty() {
            continue;
        }
        if input == "stop" {
            break;
        }
        sum += input
            .parse::<u32>()
            .map_err(|e| io::Error::new(io::ErrorKind::Interrupted, e))?;
    }
    if sum == 0 {
        return Err(io::ErrorKind::TimedOut.into());
    }
    // A closure's own `return` and `?` stay in the closure.
    let double = |x: &str| -> Option<u32> {
        let n: u32 = x.parse().ok()?;
        return Some(n * 2);
    };
    Ok(sum + double("1").unwrap_or(0))
}

fn main() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(loops(&mut calls, &[1, -5, 2, 200, 7]), Ok(9));
    assert_eq!(calls, 3);
    // First attempt: "x" fails to parse; second: "12" parses.
    let mut inputs = vec!["12", "x"];
    assert_eq!(question_mark(&mut inputs).unwrap(), 12);
    let mut values = vec![Some(5), None, Some(0)];
    assert_eq!(early_option(&mut values), Some(5));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut inputs = vec!["3", "stop", "", "oops"];
    // Attempt 1: "oops" fails with `?`; attempt 2: "" skipped, then "stop" → sum 0 → `return Err`;
    // attempt 3: "3" → 3 + 2.
    assert_eq!(runtime.block_on(async_flow(&mut inputs)).unwrap(), 5);
}
