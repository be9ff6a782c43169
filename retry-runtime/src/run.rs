//! The loop of a sync `#[retry]` site without a budget, a breaker or a context: the first attempt
//! runs inline, so a first-attempt success costs what a hand-written loop costs; everything after
//! a failure runs in a cold function of its own, so its registers and stack never burden the
//! success path.

use std::time::Instant;

use crate::Policy;
use crate::engine::{Next, Progress, Verdict, View, show};
use crate::event::{Observer, Site};
use crate::sleep::BlockingSleeper;

/// Runs `attempt` until the policy says to stop, sleeping with `sleeper` between attempts, and
/// returns the last outcome. `attempt` runs the body once and classifies its outcome, with how to
/// show its error to observers.
///
/// The policy and the site come as closures: the expansion's are zero-sized and return a
/// `const` and a `static`, so inside the out-of-line loop they are still constants and the
/// policy's arithmetic folds, as it would in a hand-written loop.
#[inline(always)]
pub fn retry_blocking<'p, R, P, T, A, S>(
    policy: P,
    site: T,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    mut attempt: A,
) -> R
where
    P: Fn() -> &'p Policy,
    T: Fn() -> &'static Site,
    A: FnMut() -> (R, Verdict, View<R>),
    S: BlockingSleeper + ?Sized,
{
    // Reads the clock only for a deadline, which counts from before the first attempt.
    let start = policy().deadline_value().map(|_| crate::clock::now());
    let (outcome, verdict, view) = attempt();
    if verdict.is_success() {
        return outcome;
    }
    if cfg!(debug_assertions) {
        // An unoptimised build is for compiling fast: there the loop is one copy per outcome
        // type, shared by the sites through trait objects, rather than one copy per site.
        let policy: &dyn Fn() -> &'p Policy = &policy;
        let site: &dyn Fn() -> &'static Site = &site;
        let attempt: &mut dyn FnMut() -> (R, Verdict, View<R>) = &mut attempt;
        return retry_after_failure(
            start, policy, site, observer, sleeper, attempt, outcome, verdict, view,
        );
    }
    retry_after_failure(
        start,
        policy,
        site,
        observer,
        sleeper,
        &mut attempt,
        outcome,
        verdict,
        view,
    )
}

/// Everything after the first failure.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the first attempt's outcome goes in registers, not a tuple
fn retry_after_failure<'p, R, P, T, A, S>(
    start: Option<Instant>,
    policy: P,
    site: T,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut A,
    mut outcome: R,
    mut verdict: Verdict,
    mut view: View<R>,
) -> R
where
    P: Fn() -> &'p Policy,
    T: Fn() -> &'static Site,
    A: FnMut() -> (R, Verdict, View<R>) + ?Sized,
    S: BlockingSleeper + ?Sized,
{
    // Kept here rather than in the engine: the loop knows it is past the first failure.
    let mut progress = Progress::after_first_failure(start);
    // Resolved once per call: an observer installed while a call is retrying sees the calls
    // that fail after it, not the rest of this one.
    let observer = crate::event::target(observer);
    loop {
        if verdict.is_success() {
            progress.succeeded(policy(), site(), observer);
            return outcome;
        }
        // The error's view only when someone will look at it.
        let error = match observer {
            Some(_) => show(&outcome, view),
            None => None,
        };
        let next = progress.failed_plain(
            policy(),
            site(),
            observer,
            verdict.retryable(),
            verdict.hint(),
            error,
        );
        match next {
            Next::Return => return outcome,
            Next::Sleep(delay) => {
                // The error goes before the sleep: it may hold a connection or a buffer.
                drop(outcome);
                crate::sleep::blocking(sleeper, delay);
                (outcome, verdict, view) = attempt();
            }
        }
    }
}
