//! The loop of a sync `#[retry]` site without a budget, a breaker or a context: the first attempt
//! runs inline, so a first-attempt success costs what a hand-written loop costs; everything after
//! a failure runs in a cold function of its own, so its registers and stack never burden the
//! success path.

use crate::engine::{Engine, Next, Verdict};
use crate::event::{Observer, Site};
use crate::sleep::BlockingSleeper;
use crate::{ErrorView, Policy};

/// Runs `attempt` until the policy says to stop, sleeping with `sleeper` between attempts, and
/// returns the last outcome. `attempt` runs the body once and classifies its outcome; `view`
/// shows a failed outcome's error to observers.
///
/// The policy and the site come as closures: the expansion's are zero-sized and return a
/// `const` and a `static`, so inside the out-of-line loop they are still constants and the
/// policy's arithmetic folds, as it would in a hand-written loop.
#[inline(always)]
pub fn retry_blocking<'p, R, P, T, A, V, S>(
    policy: P,
    site: T,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    mut attempt: A,
    view: V,
) -> R
where
    P: Fn() -> &'p Policy,
    T: Fn() -> &'static Site,
    A: FnMut() -> (R, Verdict),
    V: Fn(&R) -> Option<ErrorView<'_>>,
    S: BlockingSleeper + ?Sized,
{
    // Reads the clock only for a deadline, which counts from before the first attempt.
    let engine = Engine::new(policy(), false);
    let (outcome, verdict) = attempt();
    if verdict.is_success() {
        return outcome;
    }
    retry_after_failure(
        engine,
        policy,
        site,
        observer,
        sleeper,
        &mut attempt,
        &view,
        (outcome, verdict),
    )
}

/// Everything after the first failure.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // `retry_blocking`'s own, passed on
fn retry_after_failure<'p, R, P, T, A, V, S>(
    engine: Engine,
    policy: P,
    site: T,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut A,
    view: &V,
    first: (R, Verdict),
) -> R
where
    P: Fn() -> &'p Policy,
    T: Fn() -> &'static Site,
    A: FnMut() -> (R, Verdict),
    V: Fn(&R) -> Option<ErrorView<'_>>,
    S: BlockingSleeper + ?Sized,
{
    let (mut outcome, mut verdict) = first;
    // Kept here rather than in the engine: the loop knows it is past the first failure.
    let mut progress = engine.into_progress();
    loop {
        if verdict.is_success() {
            progress.succeeded(policy(), site(), observer);
            return outcome;
        }
        let next = progress.failed_plain(
            policy(),
            site(),
            observer,
            verdict.retryable,
            verdict.hint,
            || view(&outcome),
        );
        match next {
            Next::Return => return outcome,
            Next::Sleep(delay) => {
                // The error goes before the sleep: it may hold a connection or a buffer.
                drop(outcome);
                crate::sleep::blocking(sleeper, delay);
                (outcome, verdict) = attempt();
            }
        }
    }
}
