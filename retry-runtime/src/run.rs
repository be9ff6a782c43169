//! The loop of a sync `#[retry]` site without a budget, a breaker or a context: the first attempt
//! runs inline, so a first-attempt success costs what a hand-written loop costs; everything after
//! a failure runs in a cold function of its own, so its registers and stack never burden the
//! success path.

use crate::engine::{Classified, Next, PolicySource, Progress, Verdict, View, observed_error};
use crate::event::{Observer, Site};
use crate::sleep::BlockingSleeper;

/// Runs `attempt` until the policy says to stop, sleeping with `sleeper` between attempts, and
/// returns the last outcome. `attempt` runs the body once and classifies its outcome, with how to
/// show its error to observers.
///
/// The policy comes as a [`PolicySource`]: in an optimised build the expansion's zero-sized fn
/// returning a `const`, so inside the out-of-line loop it is still a constant and the policy's
/// arithmetic folds, as it would in a hand-written loop; in a debug build a reference. The site
/// is the expansion's `static`.
#[inline(always)]
pub fn retry_blocking<'p, R, P, A, S>(
    policy: P,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    mut attempt: A,
) -> R
where
    P: PolicySource<'p>,
    A: FnMut() -> (R, Classified<R>),
    S: BlockingSleeper + ?Sized,
{
    #[cfg(debug_assertions)]
    {
        // An unoptimised build is for compiling fast, not for running fast: the whole loop is
        // one copy per outcome and sleeper type, shared by the sites through a trait object,
        // instead of one copy per site.
        let attempt: &mut dyn RunAttempt<R> = &mut attempt;
        retry_shared(policy.policy(), site, observer, sleeper, attempt)
    }
    #[cfg(not(debug_assertions))]
    {
        // Reads the clock only for a deadline, which counts from before the first attempt.
        let start = crate::clock::stamp_if(policy.policy().deadline_value().is_some());
        let (outcome, (verdict, view)) = attempt();
        if verdict.is_success() {
            return outcome;
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
}

/// [`retry_blocking`] for a site with no observer of its own and the default sleeper (most sync
/// sites): fewer arguments for rustc to check at every site.
#[inline(always)]
pub fn retry_blocking_plain<'p, R, P, A>(policy: P, site: &'static Site, attempt: A) -> R
where
    P: PolicySource<'p>,
    A: FnMut() -> (R, Classified<R>),
{
    #[cfg(debug_assertions)]
    {
        // Straight to the shared loop. The expansion's `retry_plain!` goes there without this
        // function, which an unoptimised build of the annotated crate then never instantiates.
        let mut attempt = attempt;
        retry_shared_plain(policy, site, &mut attempt)
    }
    #[cfg(not(debug_assertions))]
    {
        retry_blocking(policy, site, None, &crate::sleep::ThreadSleeper, attempt)
    }
}

/// [`retry_blocking_plain`] as an unoptimised build of the annotated crate runs it (the
/// runtime's `retry_plain!` chooses): the attempt comes as a trait object made at the site, so
/// that nothing but the attempt is compiled per site, and the loop once per outcome type.
pub fn retry_shared_plain<'p, R>(
    policy: impl PolicySource<'p>,
    site: &'static Site,
    attempt: &mut dyn RunAttempt<R>,
) -> R {
    retry_shared(policy.policy(), site, None, &crate::sleep::ThreadSleeper, attempt)
}

/// [`retry_blocking`] in an unoptimised build: the same loop, behind a trait object.
fn retry_shared<R, S>(
    policy: &crate::Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut dyn RunAttempt<R>,
) -> R
where
    S: BlockingSleeper + ?Sized,
{
    let start = crate::clock::stamp_if(policy.deadline_value().is_some());
    let (outcome, (verdict, view)) = attempt.run();
    if verdict.is_success() {
        return outcome;
    }
    retry_after_failure(
        start, policy, site, observer, sleeper, attempt, outcome, verdict, view,
    )
}

/// A site's attempt: runs the body once and classifies the outcome. Every `FnMut` returning
/// that is one; the trait exists for unoptimised builds, where the sync loop takes the attempt
/// as a trait object: its vtable holds this one method, where `dyn FnMut`'s would need two
/// shims compiled for every site (`call_once` and its vtable shim).
pub trait RunAttempt<R> {
    /// Runs one attempt.
    fn run(&mut self) -> (R, Classified<R>);
}

impl<R, F: FnMut() -> (R, Classified<R>)> RunAttempt<R> for F {
    #[inline(always)]
    fn run(&mut self) -> (R, Classified<R>) {
        self()
    }
}

/// Everything after the first failure.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the first attempt's outcome goes in registers, not a tuple
fn retry_after_failure<'p, R, P, A, S>(
    start: u64,
    policy: P,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut A,
    mut outcome: R,
    mut verdict: Verdict,
    mut view: View<R>,
) -> R
where
    P: PolicySource<'p>,
    A: RunAttempt<R> + ?Sized,
    S: BlockingSleeper + ?Sized,
{
    // Kept here rather than in the engine: the loop knows it is past the first failure.
    let mut progress = Progress::new(start);
    // Not peeled (the first failure decided before the loop would let the inlined `attempt`'s
    // constant verdict fold into the loop's decisions): that saved ~2 instructions per failure
    // and cost 10% more CPU time to build 300 sites in release.
    loop {
        let next;
        (next, outcome) = failed(
            &mut progress,
            policy.policy(),
            site,
            observer,
            outcome,
            (verdict, view),
        );
        let Next::Sleep(delay) = next else {
            return outcome;
        };
        // The error goes before the sleep: it may hold a connection or a buffer.
        drop(outcome);
        crate::sleep::blocking(sleeper, delay);
        (outcome, (verdict, view)) = attempt.run();
        if verdict.is_success() {
            progress.succeeded(policy.policy(), site, observer);
            return outcome;
        }
    }
}

/// What follows a failed attempt. The outcome passes through by value: only the long way
/// borrows it, from a place of its own, so that on the lean path it never needs memory.
#[inline(always)]
fn failed<R>(
    progress: &mut Progress,
    policy: &crate::Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    outcome: R,
    (verdict, view): Classified<R>,
) -> (Next, R) {
    if let Some(delay) = progress.retry_lean(policy, site, observer, verdict) {
        return (Next::Sleep(delay), outcome);
    }
    let held = outcome;
    let error = observed_error(observer, &held, view);
    (progress.failed_long(policy, site, observer, verdict, error), held)
}

#[cfg(test)]
mod tests {
    //! The loop as a sync site drives it. CI runs these in an optimised build too, where
    //! `retry_blocking` takes its other path (first attempt inline, the rest generic per site).

    use core::time::Duration;

    use super::*;
    use crate::__private::view::ViewFn;
    use crate::Policy;
    use crate::event::{EventKind, GiveUpReason};
    use crate::testing::{self, Recorder};
    use crate::{Jitter, ThreadSleeper};

    static SITE: Site = Site::new("run", "tests", "run.rs", 1);
    const POLICY: Policy = Policy::exponential(Duration::from_millis(10))
        .max_attempts(4)
        .jitter(Jitter::None);

    /// What a site's attempt closure returns for `outcome`: errors retryable unless `fatal`.
    fn classify(
        outcome: Result<u32, &'static str>,
    ) -> (Result<u32, &'static str>, Classified<Result<u32, &'static str>>) {
        let show: ViewFn<Result<u32, &'static str>> = crate::__private::view::opaque;
        match outcome {
            Ok(_) => (outcome, (Verdict::SUCCESS, None)),
            Err(e) => (outcome, (Verdict::error(e != "fatal", None), Some(show))),
        }
    }

    /// Runs a site whose attempts return `script` in turn, then `Ok(0)`.
    fn run(
        policy: &Policy,
        observer: Option<&dyn Observer>,
        script: &[Result<u32, &'static str>],
    ) -> (Result<u32, &'static str>, usize, Vec<Duration>) {
        let sleeps = testing::instant_sleep();
        let mut calls = 0;
        let outcome = retry_blocking(policy, &SITE, observer, &ThreadSleeper, || {
            calls += 1;
            classify(script.get(calls - 1).copied().unwrap_or(Ok(0)))
        });
        (outcome, calls, sleeps.delays())
    }

    #[test]
    fn first_success_returns_at_once() {
        assert_eq!(run(&POLICY, None, &[Ok(7)]), (Ok(7), 1, vec![]));
    }

    #[test]
    fn retries_with_the_schedule_until_success() {
        let (outcome, calls, delays) = run(&POLICY, None, &[Err("a"), Err("b"), Ok(3)]);
        assert_eq!((outcome, calls), (Ok(3), 3));
        assert_eq!(delays, [10, 20].map(Duration::from_millis));
    }

    #[test]
    fn gives_up_when_exhausted_or_not_retryable() {
        let (outcome, calls, delays) = run(&POLICY, None, &[Err("a"); 6]);
        assert_eq!((outcome, calls, delays.len()), (Err("a"), 4, 3));
        let (outcome, calls, _) = run(&POLICY, None, &[Err("a"), Err("fatal"), Ok(1)]);
        assert_eq!((outcome, calls), (Err("fatal"), 2));
    }

    #[test]
    fn reports_to_the_observer_with_the_error() {
        let recorder = Recorder::new();
        let (outcome, _, _) = run(&POLICY, Some(&recorder), &[Err("a"), Ok(5)]);
        assert_eq!(outcome, Ok(5));
        let events = recorder.events();
        let kinds: Vec<_> = events.iter().map(|e| (e.kind(), e.attempt())).collect();
        assert_eq!(kinds, [(EventKind::Retry, 1), (EventKind::Success, 2)]);
        assert_eq!(events[0].error_type(), Some("&str"));
        assert_eq!(events[0].delay(), Some(Duration::from_millis(10)));

        recorder.clear();
        let _ = run(&POLICY, Some(&recorder), &[Err("fatal")]);
        let events = recorder.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].reason(), Some(GiveUpReason::NotRetryable));
    }

    #[test]
    fn a_deadline_stops_retries_that_would_overrun_it() {
        let policy = POLICY.max_attempts(10).deadline(Duration::from_millis(25));
        // Sleeps are instant here, so the clock barely moves: 10ms and 20ms each fit in what
        // is left of 25ms, the third delay (40ms) would not.
        let (outcome, calls, delays) = run(&policy, None, &[Err("a"); 10]);
        assert_eq!((outcome, calls), (Err("a"), 3));
        assert_eq!(delays, [10, 20].map(Duration::from_millis));
    }
}
