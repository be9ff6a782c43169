//! The loop of a sync `#[retry]` site without a budget, a breaker or a context: the first attempt
//! runs inline, so a first-attempt success costs what a hand-written loop costs; everything after
//! a failure runs in a cold function shared by the sites with the same outcome type, so its
//! registers and stack never burden the success path and its code is compiled once. A site whose
//! policy is a `static` with a zero base (it retries at once, so its loop is all a retry costs),
//! and with the `inline-loops` feature every site whose policy is a `static`, runs its own loop
//! after a failure instead ([`retry_lean_at_site`], from the runtime's `own_loop!`), and hands
//! the shared loop only a failure that leaves the lean path.

use crate::Policy;
use crate::engine::{Classified, LeanIn, Next, Plan, Progress, observed_error};
use crate::event::{Observer, Site};
use crate::sleep::{BlockingSleeper, ThreadSleeper};

/// Runs the first attempt (`$run`, the call) and returns from the enclosing function with its
/// outcome if it succeeded; else evaluates to the failure, for the loop. A macro: a function
/// would need the rest as a closure, one more item to compile per site, or would return a
/// `Result`, whose layout costs the success path instructions.
macro_rules! first_attempt {
    ($policy:expr, $run:expr) => {{
        let policy: &Policy = $policy;
        let start = call_start(policy);
        let (outcome, classified) = $run;
        if classified.0.is_success() {
            return outcome;
        }
        Failure {
            outcome,
            classified,
            progress: Start(start),
            plan: Plan::of(policy),
        }
    }};
}

/// Runs `attempt` until the policy says to stop, sleeping with `sleeper` between attempts, and
/// returns the last outcome. `attempt` runs the body once and classifies its outcome, with how to
/// show its error to observers.
///
/// In an optimised build the first attempt runs inline, at the site, so that a first-attempt
/// success costs what a hand-written loop costs; everything after a failure is one loop shared
/// by every site with the same outcome and sleeper types, which takes the attempt as a trait
/// object and the policy by reference, with what its lean path needs of the policy worked out
/// here, where the policy is a constant (a `Plan`). A loop copied per site with the policy
/// folded in took about a third fewer instructions per failed call, but an optimised build of
/// sync sites took four times the CPU time of hand-written loops, against about 1.15 times now
/// in instructions (`BENCHMARKS.md`); the `inline-loops` feature makes that trade the other
/// way. In a debug build the first attempt runs in the shared loop too. For a site with an
/// observer or a sleeper of its own (through the runtime's `retry_sync!` when its policy is a
/// `static`); plain sites expand to the runtime's `retry_plain!`, which does the same without a
/// function generic over the attempt.
#[inline(always)]
pub fn retry_blocking<R, A, S>(
    policy: &Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    mut attempt: A,
) -> R
where
    A: FnMut() -> (R, Classified<R>),
    S: BlockingSleeper + ?Sized,
{
    #[cfg(debug_assertions)]
    {
        let attempt: &mut dyn RunAttempt<R> = &mut attempt;
        retry_shared(policy, site, observer, sleeper, attempt)
    }
    #[cfg(not(debug_assertions))]
    {
        let first = first_attempt!(policy, attempt.run());
        retry_after_failure(policy, site, observer, sleeper, &mut attempt, first)
    }
}

/// The loop of a plain sync site (no observer, sleeper, budget, breaker or context of its own)
/// in an unoptimised build, as the runtime's `retry_plain!` runs it: the attempt comes as a
/// trait object made at the site, so that nothing but the attempt is compiled per site, and the
/// first attempt runs here too, in one copy per outcome type.
pub fn retry_shared_plain<R>(policy: &Policy, site: &'static Site, attempt: &mut dyn RunAttempt<R>) -> R {
    let first = first_attempt!(policy, attempt.run());
    retry_after_failure(policy, site, None, &ThreadSleeper, attempt, first)
}

/// When a call starts, as a stamp for its deadline, read before the first attempt (here and by
/// `retry_plain!` in an optimised build, which runs that attempt at the site). The clock is read
/// only for a deadline.
#[inline(always)]
pub fn call_start(policy: &Policy) -> u64 {
    crate::clock::stamp_if(policy.deadline_value().is_some())
}

/// A plain sync site's first attempt failed (`retry_plain!` in an optimised build): hands it
/// to the shared loop with the `Plan`, worked out here, inline at the site, where the policy is
/// a constant.
#[inline(always)]
pub fn retry_after_first<R>(
    policy: &Policy,
    site: &'static Site,
    attempt: &mut dyn RunAttempt<R>,
    outcome: R,
    classified: Classified<R>,
    start: u64,
) -> R {
    let first = Failure {
        outcome,
        classified,
        progress: Start(start),
        plan: Plan::of(policy),
    };
    retry_after_failure(policy, site, None, &ThreadSleeper, attempt, first)
}

/// A site's own loop after its first failure, in an optimised build, at a site whose policy is
/// a `static` with a zero base (or any `static`, with the `inline-loops` feature): the runtime's
/// `own_loop!` expands to a nested fn that calls this, so that the policy is a constant here and
/// the attempt is inlined. The lean path's failures cost a few instructions each; the first one
/// it declines goes to the shared loop, with the call's progress. The nested fn is not inlined
/// into the site, so a first-attempt success pays nothing for it.
#[inline(always)]
pub fn retry_lean_at_site<R, A, S>(
    policy: &Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut A,
    (mut outcome, mut classified): (R, Classified<R>),
    start: u64,
) -> R
where
    A: RunAttempt<R>,
    S: BlockingSleeper + ?Sized,
{
    let plan = Plan::of(policy);
    let mut progress = Progress::new(start);
    // Every failure counts something at the site: listed here, once, counting is one atomic add.
    crate::stats::list_once(site);
    loop {
        let verdict = classified.0;
        let Some(delay) = progress.retry_lean(policy, plan, site, observer, verdict, LeanIn::Loop) else {
            let failure = Failure {
                outcome,
                classified,
                progress,
                plan,
            };
            return retry_after_failure(policy, site, observer, sleeper, attempt, failure);
        };
        // The error goes before the sleep: it may hold a connection or a buffer.
        drop(outcome);
        crate::sleep::blocking(sleeper, delay);
        (outcome, classified) = attempt.run();
        if classified.0.is_success() {
            progress.succeeded(policy, site, observer);
            return outcome;
        }
    }
}

/// [`retry_blocking`] in an unoptimised build: the first attempt runs here too.
#[cfg(debug_assertions)]
fn retry_shared<R, S>(
    policy: &Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut dyn RunAttempt<R>,
) -> R
where
    S: BlockingSleeper + ?Sized,
{
    let first = first_attempt!(policy, attempt.run());
    retry_after_failure(policy, site, observer, sleeper, attempt, first)
}

/// A site's attempt: runs the body once and classifies the outcome. Every `FnMut` returning
/// that is one; the loops after a failure take the attempt as a trait object of this trait,
/// whose vtable holds this one method, where `dyn FnMut`'s would need two shims compiled for
/// every site (`call_once` and its vtable shim).
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

/// A failure, as the shared loop takes it: the outcome and how it was classified, the call's
/// progress `P`, and what the lean path needs of the policy, worked out where the policy is a
/// constant (in an optimised build, at the site), not by the loop on every call. From a site's
/// first attempt, `P` is only the call's [`Start`]: a `Progress` built at every site cost rustc
/// about 75 M more instructions for an optimised build of 150 sync sites. From a site's own loop
/// ([`retry_lean_at_site`]), it is the call's `Progress` so far.
struct Failure<R, P> {
    outcome: R,
    classified: Classified<R>,
    progress: P,
    plan: Plan,
}

/// When a call started, as the first failure hands it to the shared loop.
struct Start(u64);

impl From<Start> for Progress {
    #[inline(always)]
    fn from(Start(start): Start) -> Progress {
        Progress::new(start)
    }
}

/// Everything after a failure: decide, sleep, run the next attempt, until one succeeds or the
/// policy gives up. One copy per outcome and sleeper type, whichever sites share them (and one
/// more for the failures a site's own loop sends the long way).
#[cold]
#[inline(never)]
fn retry_after_failure<R, S, P>(
    policy: &Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    sleeper: &S,
    attempt: &mut dyn RunAttempt<R>,
    failure: Failure<R, P>,
) -> R
where
    S: BlockingSleeper + ?Sized,
    P: Into<Progress>,
{
    let Failure {
        mut outcome,
        mut classified,
        progress,
        plan,
    } = failure;
    let mut progress = progress.into();
    // Every failure counts something at the site: listed here, once, the lean path's counting
    // is one atomic add.
    crate::stats::list_once(site);
    loop {
        let next;
        (next, outcome) = failed(&mut progress, policy, plan, site, observer, outcome, classified);
        let Next::Sleep(delay) = next else {
            return outcome;
        };
        // The error goes before the sleep: it may hold a connection or a buffer.
        drop(outcome);
        crate::sleep::blocking(sleeper, delay);
        (outcome, classified) = attempt.run();
        if classified.0.is_success() {
            progress.succeeded(policy, site, observer);
            return outcome;
        }
    }
}

/// What follows a failed attempt. The outcome passes through by value: only the long way
/// borrows it, from a place of its own, so that on the lean path it never needs memory.
#[inline(always)]
fn failed<R>(
    progress: &mut Progress,
    policy: &Policy,
    plan: Plan,
    site: &'static Site,
    observer: Option<&dyn Observer>,
    outcome: R,
    (verdict, view): Classified<R>,
) -> (Next, R) {
    if let Some(delay) = progress.retry_lean(policy, plan, site, observer, verdict, LeanIn::Loop) {
        return (Next::Sleep(delay), outcome);
    }
    let held = outcome;
    let error = observed_error(observer, &held, view);
    (progress.failed_long(policy, site, observer, verdict, error), held)
}

#[cfg(test)]
mod tests {
    //! The loop as a sync site drives it, through `retry_blocking` and through `retry_plain!`.
    //! CI runs these in an optimised build too, where both take their other path (the first
    //! attempt inline, at the site).

    use core::time::Duration;

    use super::*;
    use crate::__private::view::ViewFn;
    use crate::Jitter;
    use crate::engine::Verdict;
    use crate::event::{EventKind, GiveUpReason};
    use crate::testing::{self, Recorder};

    static SITE: Site = Site::new("run", "tests", "run.rs", 1);
    const POLICY: Policy = Policy::exponential(Duration::from_millis(10))
        .max_attempts(4)
        .jitter(Jitter::None);

    type Outcome = Result<u32, &'static str>;
    /// A site's attempt, as the loops take it.
    type AttemptFn<'a> = &'a mut dyn FnMut() -> (Outcome, Classified<Outcome>);
    /// What a loop did: its outcome, how many attempts ran, the delays it slept.
    type Ran = (Outcome, usize, Vec<Duration>);

    /// What a site's attempt closure returns for `outcome`: errors retryable unless `fatal`.
    fn classify(outcome: Outcome) -> (Outcome, Classified<Outcome>) {
        let show: ViewFn<Outcome> = crate::__private::view::opaque;
        match outcome {
            Ok(_) => (outcome, (Verdict::SUCCESS, None)),
            Err(e) => (outcome, (Verdict::error(e != "fatal", None), Some(show))),
        }
    }

    /// Runs `run_loop` with an attempt that returns `script` in turn, then `Ok(0)`.
    fn scripted(script: &[Outcome], run_loop: impl FnOnce(AttemptFn<'_>) -> Outcome) -> Ran {
        let sleeps = testing::instant_sleep();
        let mut calls = 0;
        let outcome = run_loop(&mut || {
            calls += 1;
            classify(script.get(calls - 1).copied().unwrap_or(Ok(0)))
        });
        (outcome, calls, sleeps.delays())
    }

    /// A site through `retry_blocking`.
    fn run(policy: &Policy, observer: Option<&dyn Observer>, script: &[Outcome]) -> Ran {
        scripted(script, |attempt| {
            retry_blocking(policy, &SITE, observer, &ThreadSleeper, attempt)
        })
    }

    /// [`run`] for a plain site: no observer, the default sleeper, through `retry_plain!`.
    fn run_plain(policy: &Policy, script: &[Outcome]) -> Ran {
        scripted(script, |attempt| {
            crate::__private::retry_plain!(policy, &SITE, &mut *attempt)
        })
    }

    /// [`run`] through a site's own loop, [`retry_lean_at_site`], after a first attempt run
    /// here, as the runtime's `own_loop!` runs it.
    fn run_site_loop(policy: &Policy, observer: Option<&dyn Observer>, script: &[Outcome]) -> Ran {
        scripted(script, |mut attempt| {
            let start = call_start(policy);
            let (outcome, classified) = attempt();
            if classified.0.is_success() {
                return outcome;
            }
            let failure = (outcome, classified);
            retry_lean_at_site(
                policy,
                &SITE,
                observer,
                &ThreadSleeper,
                &mut attempt,
                failure,
                start,
            )
        })
    }

    /// Scripts every loop must run alike: a recovery, exhaustion, an error not to retry.
    const SCRIPTS: [&[Outcome]; 3] = [
        &[Err("a"), Err("b"), Ok(3)],
        &[Err("a"); 6],
        &[Err("a"), Err("fatal"), Ok(1)],
    ];

    #[test]
    fn a_site_loop_runs_the_same_loop() {
        let with_deadline = POLICY.max_attempts(10).deadline(Duration::from_millis(25));
        let zero = POLICY.base(Duration::ZERO);
        for policy in [&POLICY, &with_deadline, &zero] {
            for script in SCRIPTS {
                assert_eq!(
                    run_site_loop(policy, None, script),
                    run(policy, None, script),
                    "{policy:?}, {script:?}"
                );
            }
        }
        // The observer sees the same events, and the error, whichever loop reports them.
        let (site_loop, shared) = (Recorder::new(), Recorder::new());
        for script in SCRIPTS {
            assert_eq!(
                run_site_loop(&POLICY, Some(&site_loop), script),
                run(&POLICY, Some(&shared), script)
            );
        }
        let described = |r: &Recorder| -> Vec<_> {
            r.events()
                .iter()
                .map(|e| (e.kind(), e.attempt(), e.delay(), e.reason(), e.error_type()))
                .collect()
        };
        assert_eq!(described(&site_loop), described(&shared));
    }

    #[test]
    fn sites_with_a_static_policy_run_the_same_loop() {
        // What the attribute expands to for a site without a `policy` key: `retry_plain!` or
        // `retry_sync!` with `&` a `static`, which an optimised build hands to a nested fn of
        // the site's own when marked `@own` (a zero base) or, with `inline-loops`, always (CI
        // runs these tests optimised, with and without the feature).
        static PLAIN: Policy = POLICY;
        static ZERO: Policy = POLICY.base(Duration::ZERO);
        static DEADLINE: Policy = POLICY.max_attempts(10).deadline(Duration::from_millis(25));
        let plain = |script| {
            scripted(
                script,
                |attempt| crate::__private::retry_plain!(@static &PLAIN, &SITE, &mut *attempt),
            )
        };
        let own = |script| {
            scripted(
                script,
                |attempt| crate::__private::retry_plain!(@own &ZERO, &SITE, &mut *attempt),
            )
        };
        let with_deadline = |observer: Option<&dyn Observer>, script| {
            scripted(script, |attempt| {
                crate::__private::retry_sync!(&DEADLINE, &SITE, observer, &ThreadSleeper, attempt)
            })
        };
        let own_with_deadline = |observer: Option<&dyn Observer>, script| {
            scripted(
                script,
                |attempt| crate::__private::retry_sync!(@own &DEADLINE, &SITE, observer, &ThreadSleeper, attempt),
            )
        };
        let recorder = Recorder::new();
        for script in SCRIPTS {
            assert_eq!(plain(script), run(&PLAIN, None, script));
            assert_eq!(own(script), run(&ZERO, None, script));
            for observer in [None, Some(&recorder as &dyn Observer)] {
                assert_eq!(with_deadline(observer, script), run(&DEADLINE, None, script));
                assert_eq!(own_with_deadline(observer, script), run(&DEADLINE, None, script));
            }
        }
        assert!(!recorder.events().is_empty());
    }

    #[test]
    fn first_success_returns_at_once() {
        assert_eq!(run(&POLICY, None, &[Ok(7)]), (Ok(7), 1, vec![]));
        assert_eq!(run_plain(&POLICY, &[Ok(7)]), (Ok(7), 1, vec![]));
    }

    #[test]
    fn a_plain_site_runs_the_same_loop() {
        for script in [
            &[Err("a"), Err("b"), Ok(3)][..],
            &[Err("a"); 6],
            &[Err("a"), Err("fatal"), Ok(1)],
        ] {
            assert_eq!(run_plain(&POLICY, script), run(&POLICY, None, script));
        }
        let with_deadline = POLICY.max_attempts(10).deadline(Duration::from_millis(25));
        let (outcome, calls, delays) = run_plain(&with_deadline, &[Err("a"); 10]);
        assert_eq!((outcome, calls), (Err("a"), 3));
        assert_eq!(delays, [10, 20].map(Duration::from_millis));
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
