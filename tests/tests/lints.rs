//! The expansion must not make lints fire in the user's crate. This file denies every warning
//! and a set of stricter lints (rustc's and clippy's) and holds annotated fns of every shape and
//! key; it passes by compiling under `cargo test` and `cargo clippy -- -D warnings`. The tests
//! at the bottom only make sure each fn is used and behaves.

#![deny(warnings)]
#![deny(
    unused,
    unused_variables,
    unused_mut,
    unused_imports,
    unused_must_use,
    unused_qualifications,
    unused_lifetimes,
    unreachable_code,
    unreachable_patterns,
    dead_code,
    let_underscore_drop,
    missing_docs,
    trivial_casts,
    trivial_numeric_casts,
    unsafe_op_in_unsafe_fn,
    single_use_lifetimes,
    redundant_lifetimes,
    unit_bindings,
    rust_2018_idioms,
    keyword_idents,
    nonstandard_style
)]
#![deny(clippy::all, clippy::pedantic)]
// The crate docs required by `missing_docs`.
//! Lint preservation for `#[retry]`.

use std::io;
use std::time::Duration;

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{Attempt, Elapsed, Jitter, Policy, retry};

static REC: Recorder = Recorder::new();

const POLICY: Policy = Policy::constant(Duration::from_millis(1))
    .max_attempts(3)
    .jitter(Jitter::None);

/// The error of the fns below.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// Try again.
    Again,
    /// An attempt ran too long.
    Slow,
}

impl From<Elapsed> for Failure {
    fn from(_: Elapsed) -> Self {
        Failure::Slow
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failure")
    }
}

impl std::error::Error for Failure {}

/// Every key that applies to a sync fn, with a context the body does not use.
///
/// # Errors
///
/// When every attempt fails.
#[retry(
    max_attempts = 3,
    base = "1ms",
    factor = 1.5,
    max_delay = "2ms",
    backoff = "exponential",
    jitter = "none",
    on = Failure,
    when = |e| *e == Failure::Again,
    unless = io::Error,
    until = |v| *v > 0,
    retry_after = |_e| None,
    deadline = "1h",
    name = "all_keys",
    context = unused_context,
    clone = [label],
    observer = REC,
)]
// `clone = [label]` gives each attempt its own copy, so the original is only borrowed: clippy's
// pedantic `needless_pass_by_value` sees that, as it would in the hand-written loop.
#[allow(clippy::needless_pass_by_value)]
pub fn all_sync_keys(label: String, calls: &mut u32) -> Result<usize, Failure> {
    *calls += 1;
    let owned = label;
    if *calls < 2 {
        Err(Failure::Again)
    } else {
        Ok(owned.len())
    }
}

/// A body that returns early, uses `?`, and ends in a diverging branch.
///
/// # Errors
///
/// When the input does not parse.
///
/// # Panics
///
/// When the input is too large.
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
pub fn control_flow(input: &str) -> Result<u32, std::num::ParseIntError> {
    if input.is_empty() {
        return Ok(0);
    }
    let n: u32 = input.parse()?;
    match n {
        0 => Ok(1),
        n if n < 1_000 => Ok(n),
        _ => panic!("too big"),
    }
}

/// A body that only ever fails.
///
/// # Errors
///
/// Always.
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
pub fn never_succeeds() -> io::Result<()> {
    Err(io::ErrorKind::TimedOut.into())
}

/// A body made only of a diverging loop that returns from inside.
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
#[must_use]
pub fn returns_from_a_loop(mut n: u32) -> Option<u32> {
    loop {
        n += 1;
        if n > 3 {
            return Some(n);
        }
    }
}

/// A mutable argument, a context that is used, and a shared policy.
///
/// # Errors
///
/// When every attempt fails.
#[retry(policy = POLICY, context = attempt)]
pub fn mutable_argument(mut budget: u32) -> Result<u32, u32> {
    budget -= 1;
    if attempt.is_retry() {
        Ok(budget)
    } else {
        Err(budget)
    }
}

/// A policy built from an argument, and a policy overridden inline.
///
/// # Errors
///
/// When every attempt fails.
#[retry(policy = policy, max_attempts = 2)]
#[allow(clippy::result_unit_err)] // about this test's own signature: the fn is linted as written
pub fn policy_from_argument(policy: &Policy) -> Result<(), ()> {
    Err(())
}

/// Generic, with lifetimes and a where clause.
///
/// # Errors
///
/// When the slice is empty.
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
pub fn generic<'a, T>(items: &'a [T]) -> Result<&'a T, &'static str>
where
    T: Sync,
{
    items.first().ok_or("empty")
}

/// An unsafe fn.
///
/// # Safety
///
/// `p` must point to a live `u32`.
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
#[must_use]
pub unsafe fn unsafe_read(p: *const u32) -> Option<u32> {
    // SAFETY: the caller promises `p` is valid.
    Some(unsafe { p.read() })
}

/// Methods with every receiver.
pub struct Service {
    calls: u32,
}

impl Service {
    /// `&mut self`, async, with every async-only key.
    ///
    /// # Errors
    ///
    /// When every attempt fails.
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", attempt_timeout = "1s", context = attempt)]
    pub async fn fetch(&mut self, id: u32) -> Result<u32, Failure> {
        self.calls += 1;
        tokio::task::yield_now().await;
        if attempt.number() < 2 {
            Err(Failure::Again)
        } else {
            Ok(id + self.calls)
        }
    }

    /// `&self`, with a `when` that reads it.
    ///
    /// # Errors
    ///
    /// When every attempt fails.
    #[retry(max_attempts = 2, base = "1ms", jitter = "none", when = |_| self.calls < 100)]
    pub fn peek(&self) -> Result<u32, Failure> {
        Ok(self.calls)
    }

    /// `self` by value.
    ///
    /// # Errors
    ///
    /// Never.
    #[retry(max_attempts = 2, base = "1ms", jitter = "none")]
    pub fn into_calls(self) -> Result<u32, Failure> {
        Ok(self.calls)
    }
}

/// `call` and its closure, for completeness.
#[must_use]
pub fn closure_call() -> Option<u32> {
    retry_runtime::call(&POLICY, |attempt: &Attempt| {
        attempt.is_retry().then_some(attempt.number())
    })
}

#[test]
fn every_annotated_fn_compiles_cleanly_and_runs() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(all_sync_keys("abc".to_owned(), &mut calls), Ok(3));
    assert_eq!(control_flow(""), Ok(0));
    assert_eq!(control_flow("0"), Ok(1));
    assert_eq!(control_flow("12"), Ok(12));
    assert!(control_flow("x").is_err());
    assert!(never_succeeds().is_err());
    assert_eq!(returns_from_a_loop(0), Some(4));
    // Attempts share the arguments, as a hand-written loop would: the second sees 4 and takes 1.
    assert_eq!(mutable_argument(5), Ok(3));
    assert!(policy_from_argument(&POLICY).is_err());
    assert_eq!(generic(&[1, 2]), Ok(&1));
    let value = 9;
    // SAFETY: `value` is a live u32.
    assert_eq!(unsafe { unsafe_read(&raw const value) }, Some(9));
    assert_eq!(Service { calls: 1 }.peek(), Ok(1));
    assert_eq!(Service { calls: 2 }.into_calls(), Ok(2));
    assert_eq!(closure_call(), Some(2));
}

#[tokio::test(start_paused = true)]
async fn async_method_compiles_cleanly_and_runs() {
    let mut service = Service { calls: 0 };
    assert_eq!(service.fetch(10).await, Ok(12));
}
