// `on` (one type and a list), `when` (closure and fn path) and `unless`.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::fmt;
use std::io;

#[derive(Debug)]
struct Busy;
impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("busy")
    }
}
impl std::error::Error for Busy {}

#[derive(Debug)]
struct Fatal;
impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fatal")
    }
}
impl std::error::Error for Fatal {}

#[retry(max_attempts = 3, base = "1ms", on = Busy)]
fn on_one(error: fn() -> anyhow::Error, calls: &mut u32) -> anyhow::Result<()> {
    *calls += 1;
    Err(error())
}

#[retry(max_attempts = 3, base = "1ms", on = [Busy, std::io::Error])]
fn on_list(
    error: fn() -> Box<dyn std::error::Error + Send + Sync>,
    calls: &mut u32,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    *calls += 1;
    Err(error())
}

#[retry(max_attempts = 3, base = "1ms", when = |e| e.kind() == io::ErrorKind::NotFound)]
fn when_closure(calls: &mut u32) -> io::Result<()> {
    *calls += 1;
    Err(io::ErrorKind::NotFound.into())
}

fn is_odd(code: &u32) -> bool {
    code % 2 == 1
}

#[retry(max_attempts = 3, base = "1ms", when = is_odd)]
fn when_path(code: u32, calls: &mut u32) -> Result<(), u32> {
    *calls += 1;
    Err(code)
}

#[retry(max_attempts = 3, base = "1ms", unless = Fatal)]
fn unless_only(error: fn() -> anyhow::Error, calls: &mut u32) -> anyhow::Result<()> {
    *calls += 1;
    Err(error())
}

#[retry(max_attempts = 3, base = "1ms", on = io::Error, when = |e: &io::Error| e.kind() != io::ErrorKind::PermissionDenied, unless = [Fatal, Busy])]
fn all_three(kind: io::ErrorKind, calls: &mut u32) -> io::Result<()> {
    *calls += 1;
    Err(io::Error::new(kind, "x"))
}

fn ignore<T>(_: T) {}

fn main() {
    let _sleeps = testing::instant_sleep();
    let count = |f: &dyn Fn(&mut u32)| {
        let mut calls = 0;
        f(&mut calls);
        calls
    };
    assert_eq!(count(&|c| ignore(on_one(|| Busy.into(), c))), 3);
    assert_eq!(
        count(&|c| ignore(on_one(|| anyhow::Error::from(Busy).context("while fetching"), c))),
        3
    );
    assert_eq!(count(&|c| ignore(on_one(|| Fatal.into(), c))), 1);
    assert_eq!(count(&|c| ignore(on_list(|| Box::new(Busy), c))), 3);
    assert_eq!(
        count(&|c| ignore(on_list(|| Box::new(io::Error::other("x")), c))),
        3
    );
    assert_eq!(count(&|c| ignore(on_list(|| Box::new(Fatal), c))), 1);
    assert_eq!(count(&|c| ignore(when_closure(c))), 3);
    assert_eq!(count(&|c| ignore(when_path(3, c))), 3);
    assert_eq!(count(&|c| ignore(when_path(4, c))), 1);
    assert_eq!(count(&|c| ignore(unless_only(|| Fatal.into(), c))), 1);
    assert_eq!(count(&|c| ignore(unless_only(|| Busy.into(), c))), 3);
    assert_eq!(count(&|c| ignore(all_three(io::ErrorKind::Other, c))), 3);
    assert_eq!(
        count(&|c| ignore(all_three(io::ErrorKind::PermissionDenied, c))),
        1
    );
}
