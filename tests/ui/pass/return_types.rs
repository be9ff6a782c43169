// Every accepted return type: `Result` aliases, boxed errors and `Option`.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::error::Error;
use std::io;

#[retry(max_attempts = 2, base = "1ms")]
fn io_result(fail: bool) -> io::Result<u8> {
    if fail {
        return Err(io::ErrorKind::TimedOut.into());
    }
    Ok(1)
}

#[retry(max_attempts = 2, base = "1ms")]
fn anyhow_result(text: &str) -> anyhow::Result<u32> {
    let value: u32 = text.parse()?;
    anyhow::ensure!(value > 0, "zero");
    Ok(value)
}

#[retry(max_attempts = 2, base = "1ms")]
fn boxed(text: &str) -> Result<u32, Box<dyn Error + Send + Sync>> {
    Ok(text.parse::<u32>()?)
}

#[retry(max_attempts = 2, base = "1ms")]
fn boxed_local(text: &str) -> Result<u32, Box<dyn Error>> {
    Ok(text.parse::<u32>()?)
}

#[retry(max_attempts = 3, base = "1ms")]
fn option(calls: &mut u32) -> Option<u32> {
    *calls += 1;
    (*calls == 3).then_some(*calls)
}

#[retry(max_attempts = 2, base = "1ms")]
fn fully_qualified() -> ::core::result::Result<(), ::std::string::String> {
    Ok(())
}

#[retry(max_attempts = 2, base = "1ms")]
fn unit_error() -> Result<Vec<u8>, ()> {
    Err(())
}

type MyResult<T> = Result<T, &'static str>;

#[retry(max_attempts = 2, base = "1ms")]
fn local_alias() -> MyResult<u8> {
    Ok(9)
}

fn main() {
    let sleeps = testing::instant_sleep();
    assert_eq!(io_result(false).unwrap(), 1);
    assert!(io_result(true).is_err());
    assert_eq!(anyhow_result("5").unwrap(), 5);
    assert!(anyhow_result("0").is_err());
    assert_eq!(boxed("7").unwrap(), 7);
    assert!(boxed("x").is_err());
    assert_eq!(boxed_local("8").unwrap(), 8);
    let mut calls = 0;
    assert_eq!(option(&mut calls), Some(3));
    assert!(fully_qualified().is_ok());
    assert!(unit_error().is_err());
    assert_eq!(local_alias(), Ok(9));
    assert_eq!(sleeps.delays().len(), 1 + 1 + 1 + 2 + 1);
}
