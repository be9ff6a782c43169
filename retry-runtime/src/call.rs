//! The retry loop without the attribute: [`call`] for blocking closures, [`call_async`] for
//! async ones.

use crate::classify::Outcome;
use crate::engine::{Delay, Engine, Hooks, Verdict, View};
use crate::event::Site;
use crate::sleep::{self, AsyncSleeper, BlockingSleeper, ThreadSleeper};
use core::ops::ControlFlow;

use crate::{Attempt, Policy};

/// Runs `f` until it succeeds or `policy` gives up, sleeping between attempts; returns the last
/// outcome.
///
/// The closure gets the [`Attempt`] in progress. Every failure is retried: `call` cannot see the
/// concrete error type the way the attribute can, so the [`Transient`](crate::Transient) rule,
/// `on` and `when` are the attribute's; here the closure decides, by calling
/// [`Attempt::stop`] on a failure that is final. Events and [`stats`](crate::stats) are named
/// `"call"`, and show the error's type name.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{call, Policy, Transient};
///
/// let policy = Policy::constant(Duration::from_millis(1)).max_attempts(4);
/// let mut calls = 0;
/// let result = call(&policy, |attempt| {
///     calls += 1;
///     let outcome: std::io::Result<u32> = if calls < 3 {
///         Err(std::io::ErrorKind::ConnectionReset.into())
///     } else {
///         Ok(calls)
///     };
///     if let Err(e) = &outcome {
///         if !e.is_transient() { attempt.stop(); }
///     }
///     outcome
/// });
/// assert_eq!(result.unwrap(), 3);
/// ```
pub fn call<R, F>(policy: &Policy, f: F) -> R
where
    R: Outcome,
    F: FnMut(&Attempt) -> R,
{
    call_with(policy, &ThreadSleeper, f)
}

/// [`call`] with a chosen [`BlockingSleeper`].
pub fn call_with<R, F, S>(policy: &Policy, sleeper: &S, mut f: F) -> R
where
    R: Outcome,
    F: FnMut(&Attempt) -> R,
    S: BlockingSleeper + ?Sized,
{
    let mut engine = Engine::new(policy, false);
    let mut attempt = engine.context_inline(policy);
    loop {
        engine.begin(&mut attempt);
        let outcome = f(&attempt);
        match decide::<R>(&mut engine, policy, &CALL_SITE, &attempt, outcome) {
            ControlFlow::Break(outcome) => return outcome,
            ControlFlow::Continue(delay) => sleep::blocking(sleeper, delay),
        }
    }
}

/// The async twin of [`call`], sleeping with tokio's timer (feature `tokio`).
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{call_async, Policy};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let policy = Policy::constant(Duration::from_millis(1)).max_attempts(3);
/// let value = call_async(&policy, async |attempt| {
///     if attempt.number() < 2 { Err("not yet") } else { Ok(attempt.number()) }
/// })
/// .await;
/// assert_eq!(value, Ok(2));
/// # }
/// ```
///
/// # Limits
///
/// An async closure that borrows `&mut` state from its surroundings produces futures the
/// compiler cannot yet prove `Send`, so `call_async(…)` with such a closure cannot be spawned on a
/// multi-threaded runtime. The attribute has no such limit: `#[retry]` on an `async fn` expands
/// the loop inline, so `&mut self` methods stay `Send`.
#[cfg(feature = "tokio")]
pub async fn call_async<R, F>(policy: &Policy, f: F) -> R
where
    R: Outcome,
    F: AsyncFnMut(&Attempt) -> R,
{
    call_async_with(policy, &crate::sleep::TokioSleeper, f).await
}

/// [`call_async`] with a chosen [`AsyncSleeper`], for runtimes other than tokio.
pub async fn call_async_with<R, F, S>(policy: &Policy, sleeper: &S, mut f: F) -> R
where
    R: Outcome,
    F: AsyncFnMut(&Attempt) -> R,
    S: AsyncSleeper + ?Sized,
{
    let mut engine = Engine::new(policy, false);
    let mut attempt = engine.context_inline(policy);
    loop {
        engine.begin(&mut attempt);
        let outcome = f(&attempt).await;
        match decide::<R>(&mut engine, policy, &CALL_SITE, &attempt, outcome) {
            ControlFlow::Break(outcome) => return outcome,
            ControlFlow::Continue(delay) => sleep::nonblocking(sleeper, delay).await,
        }
    }
}

/// One site for every use of `call` and `call_async`: their events and statistics are named
/// `"call"`.
static CALL_SITE: Site = Site::new("call", module_path!(), file!(), line!());

#[inline]
fn decide<R: Outcome>(
    engine: &mut Engine,
    policy: &Policy,
    site: &'static Site,
    attempt: &Attempt,
    outcome: R,
) -> ControlFlow<R, Delay> {
    let verdict = match outcome.split() {
        Ok(_) => Verdict::SUCCESS,
        Err(Some(_)) => Verdict::error(true, None),
        Err(None) => Verdict::MISSING,
    };
    // `call` puts no bound on the error: observers get its type's name.
    let view: View<R> = Some(crate::__private::view::opaque::<R>);
    engine.decide(
        policy,
        site,
        Hooks::default(),
        Some(attempt),
        outcome,
        (verdict, view),
    )
}
