//! The retry loop's state machine, shared by `#[retry]` expansions, [`call`](crate::call) and
//! [`call_async`](crate::call_async).
//!
//! The caller runs an attempt, classifies its outcome as a [`Verdict`], and asks the engine what to
//! do next ([`Engine::decide`]). The success path is inline and touches nothing but the verdict.
//! A failure at a plain site (no budget, breaker or context) first tries the lean path,
//! `Progress::retry_lean`, inline, with a `Plan` worked out from the site's policy where it is a
//! constant: when nothing but the schedule has a say, it draws the delay (the usual schedules
//! inline, any other out of line) and counts the retry. Everything else (the clock, observers,
//! give-ups, budgets, breakers, and the success that ends a call with retries) is out of line.
//! The sync loops of `run.rs` (a site's own, and the one sites share) drive the same two paths
//! directly, with the plan their site worked out (`LeanIn::Loop`).
//!
//! The helpers a site's code reaches are `#[inline(always)]` in an optimised build only
//! (`cfg_attr(not(debug_assertions), …)`): an unoptimised build of the annotated crate would
//! otherwise compile its own copy of each, in every codegen unit that calls it, where one call
//! into the runtime does (for the 300-fn bench crate, 236 M fewer rustc instructions, 2.2%).

use core::ops::ControlFlow;
use core::time::Duration;
use std::time::Instant;

use crate::__private::view::ViewFn;
use crate::backoff::{Schedule, to_nanos};
use crate::breaker::{Permit, Transition};
use crate::event::{self, Event, EventKind, GiveUpReason, Observer, Site};
use crate::jitter::{self, Jitter};
use crate::stats::{self, Tally};
use crate::{Attempt, Backoff, CircuitBreaker, ErrorView, Policy, RetryBudget};

/// What the loop does after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Return this attempt's outcome to the caller.
    Return,
    /// Sleep this long (zero means "don't sleep"), then run the next attempt.
    Sleep(Delay),
}

/// A delay between attempts, in nanoseconds: turned into a [`Duration`] only when there is
/// something to sleep, since the conversion divides by a billion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay(pub(crate) u64);

impl Delay {
    /// No wait at all.
    #[inline(always)]
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl From<Delay> for Duration {
    #[inline]
    fn from(delay: Delay) -> Duration {
        Duration::from_nanos(delay.0)
    }
}

impl From<Duration> for Delay {
    #[inline]
    fn from(duration: Duration) -> Delay {
        Delay(to_nanos(duration))
    }
}

/// How a failed attempt was classified at its site.
#[derive(Clone, Copy, Debug)]
pub struct Failure<'a> {
    /// Whether classification allows another attempt.
    pub retryable: bool,
    /// A delay hint from `retry_after` or [`Transient::retry_after`](crate::Transient::retry_after).
    pub hint: Option<Duration>,
    /// The error, for observers; `None` for `Option::None` and values rejected by `until`.
    pub error: Option<ErrorView<'a>>,
    /// A value `until` rejected: not ready yet, but the dependency answered, so it spends no
    /// retry budget and counts as a success for a circuit breaker.
    pub rejected: bool,
}

/// How a site classified an attempt's outcome. Owned (the error itself stays with the outcome),
/// so the loop can keep it while it decides, and made by the expansion in one expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    // Two words, so that a verdict travels in registers: flags, and the hint in nanoseconds
    // (`NO_HINT` for none; a longer hint is capped at `max_delay` anyway).
    flags: u8,
    hint: u64,
}

const FAILED: u8 = 1;
const RETRYABLE: u8 = 2;
const REJECTED: u8 = 4;
const NO_HINT: u64 = u64::MAX;

impl Verdict {
    /// A success (or a value `until` accepted): the call returns it.
    pub const SUCCESS: Verdict = Verdict {
        flags: 0,
        hint: NO_HINT,
    };
    /// A value `until` rejected: not ready yet, so retried, but the dependency answered.
    pub const REJECTED: Verdict = Verdict {
        flags: FAILED | RETRYABLE | REJECTED,
        hint: NO_HINT,
    };
    /// `Option::None`: retried, with nothing to tell observers.
    pub const MISSING: Verdict = Verdict {
        flags: FAILED | RETRYABLE,
        hint: NO_HINT,
    };

    /// An error, retryable or not, with an optional delay hint.
    #[inline(always)]
    pub const fn error(retryable: bool, hint: Option<Duration>) -> Verdict {
        Verdict {
            flags: FAILED | if retryable { RETRYABLE } else { 0 },
            hint: match hint {
                Some(hint) => {
                    let nanos = to_nanos(hint);
                    if nanos == NO_HINT { NO_HINT - 1 } else { nanos }
                }
                None => NO_HINT,
            },
        }
    }

    /// Whether classification allows another attempt.
    #[inline(always)]
    pub(crate) const fn retryable(self) -> bool {
        self.flags & RETRYABLE != 0
    }

    /// The delay hint, if any.
    #[inline(always)]
    pub(crate) const fn hint(self) -> Option<Duration> {
        if self.hint == NO_HINT {
            None
        } else {
            Some(Duration::from_nanos(self.hint))
        }
    }

    /// Whether this is an error that allows another attempt, with no hint: the lean path's
    /// question, in two comparisons.
    #[inline(always)]
    pub(crate) const fn retryable_now(self) -> bool {
        self.flags == FAILED | RETRYABLE && self.hint == NO_HINT
    }

    /// Whether the call returns this outcome as a success.
    #[inline(always)]
    pub const fn is_success(self) -> bool {
        self.flags & FAILED == 0
    }

    /// The failure this verdict describes, with the error's view for observers.
    #[inline(always)]
    pub(crate) fn failure(self, error: Option<ErrorView<'_>>) -> Failure<'_> {
        Failure {
            retryable: self.retryable(),
            hint: self.hint(),
            error,
            rejected: self.flags & REJECTED != 0,
        }
    }
}

/// How a site shows a failed attempt's error to observers, when it failed with an error.
pub type View<R> = Option<ViewFn<R>>;

/// How a site classified an attempt's outcome: the verdict, and how to show its error. One value,
/// handed on as the site made it: a pair destructured and rebuilt at every site costs rustc more.
pub type Classified<R> = (Verdict, View<R>);

/// The error of `outcome`, shown by `view`.
#[inline(always)]
pub(crate) fn show<R>(outcome: &R, view: View<R>) -> Option<ErrorView<'_>> {
    view.and_then(|view| view(outcome))
}

/// The error of `outcome` when an observer will see it (the site's or the global one); `None`
/// without building the view otherwise.
#[inline(always)]
pub(crate) fn observed_error<'o, R>(
    observer: Option<&dyn Observer>,
    outcome: &'o R,
    view: View<R>,
) -> Option<ErrorView<'o>> {
    event::target(observer).and_then(|_| show(outcome, view))
}

/// The next delay with no hint, out of line.
#[cold]
#[inline(never)]
fn scheduled_delay(schedule: &mut Schedule, policy: &Policy) -> u64 {
    next_delay(schedule, policy, None)
}

/// The delay before the next attempt: a hint as given (capped), else the schedule with
/// jitter. Never above `max_delay`. In nanoseconds.
#[inline(always)]
fn next_delay(schedule: &mut Schedule, policy: &Policy, hint: Option<Duration>) -> u64 {
    let cap = policy.cap_nanos();
    let base = policy.base_nanos();
    let nanos = match (hint, policy.jitter_value()) {
        (Some(hint), _) => {
            let _ = schedule.next(policy);
            to_nanos(hint).min(cap)
        }
        (None, Jitter::Decorrelated) => {
            let previous = schedule.current;
            let bits = crate::random::next_u64();
            jitter::apply(Jitter::Decorrelated, 0, base, cap, previous, bits)
        }
        (None, Jitter::None) => schedule.next(policy),
        (None, kind) => match schedule.next(policy) {
            // Nothing to spread: no draw.
            0 => 0,
            scheduled => jitter::apply(kind, scheduled, base, cap, 0, crate::random::next_u64()),
        },
    };
    if policy.jitter_value() == Jitter::Decorrelated {
        schedule.current = nanos;
    }
    nanos
}

/// What the lean path needs to know of a policy, worked out where the policy is a constant (a
/// site's own code, in an optimised build), so that a loop where it is not need not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    // Below which attempt number a failure may take the lean path: the policy's limit, or 0 with
    // a deadline (whose failures all go the long way), so that one comparison asks both.
    lean_attempts: u32,
    delays: DelayPlan,
}

impl Plan {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn of(policy: &Policy) -> Plan {
        Plan {
            lean_attempts: if policy.deadline_value().is_none() {
                policy.max_attempts_value()
            } else {
                0
            },
            delays: DelayPlan::of(policy),
        }
    }
}

/// Where [`Progress::retry_lean`] runs, which decides how it computes the delay and counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LeanIn {
    /// A site's own code, which lists its site for `stats()` as it counts.
    Site,
    /// A sync loop (a site's own, or the one sites share), which lists its site once per call,
    /// beforehand (`stats::list_once`), so counting is one atomic add.
    Loop,
}

/// How a policy's delays are computed on the lean path: chosen where the policy is a constant (a
/// site's own code), so that the usual schedules are computed inline and any other out of line,
/// and a loop where the policy is not a constant need not work it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DelayPlan {
    /// Every delay is zero: a zero base makes every scheduled delay zero, whatever the backoff,
    /// and decorrelated jitter, which ignores the schedule, draws between the base and three
    /// times the last delay, both zero.
    Zero,
    /// Factor 2 without jitter.
    Doubling,
    /// Factor 2 with full jitter: the default policy.
    DoublingFull,
    /// Anything else.
    Other,
}

impl DelayPlan {
    #[inline(always)]
    fn of(policy: &Policy) -> DelayPlan {
        let jitter = policy.jitter_value();
        if policy.base_nanos() == 0 {
            DelayPlan::Zero
        } else if policy.backoff_value() != Backoff::Exponential || policy.factor_value() != 2.0 {
            DelayPlan::Other
        } else if jitter == Jitter::Full {
            DelayPlan::DoublingFull
        } else if jitter == Jitter::None {
            DelayPlan::Doubling
        } else {
            DelayPlan::Other
        }
    }
}

/// What a site shares with others: where events go, the retry budget, the breaker's permit.
/// All `None` at a plain site, which then pays nothing for them.
#[derive(Default)]
pub struct Hooks<'a, 'b> {
    /// The site's own observer (else the global one).
    pub observer: Option<&'a dyn Observer>,
    /// The `budget` key's token bucket.
    pub budget: Option<&'a RetryBudget>,
    /// The `breaker` key's permit for the attempt that just ran.
    pub permit: Option<&'a mut Permit<'b>>,
}

impl Hooks<'_, '_> {
    /// Whether a failure has nothing but an observer to tell: no budget, no breaker's permit and
    /// no `context`. Such a failure may take the lean path.
    #[inline(always)]
    fn plain(&self, context: Option<&Attempt>) -> bool {
        self.budget.is_none() && self.permit.is_none() && context.is_none()
    }
}

impl core::fmt::Debug for Hooks<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hooks")
            .field("observer", &self.observer.is_some())
            .field("budget", &self.budget)
            .field("permit", &self.permit)
            .finish()
    }
}

/// One call's retry state, 32 bytes: it lives in every retrying future, so it is kept small.
///
/// Until the first failure it holds only the call's start time, and only when something needs
/// it (a deadline, a `context`, an attempt timeout): a first-attempt success reads no clock.
/// The policy is passed to each method rather than stored, so a `const` policy folds into the
/// code instead of taking room in the future.
#[derive(Debug)]
pub struct Engine {
    progress: Progress,
}

/// What a call knows: which attempt it is on, when it started, where its backoff stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    // Attempts retried so far: the running attempt's number less one. Counted from zero so
    // that a fresh engine is all zeros, the cheapest value to set up.
    retries: u32,
    // The call's start as a `clock::stamp` (0: not read), or the first time a failure needed
    // the clock (a deadline or an observer to report to); a failure that needs neither reads no
    // clock. A stamp rather than an `Instant`: half the size.
    start: u64,
    // The backoff's running state; with decorrelated jitter, which ignores the backoff, its
    // `current` is the delay slept last.
    schedule: Schedule,
}

impl Engine {
    /// A call about to run its first attempt. The clock is read now only when the policy has a
    /// deadline or `track_time` asks for it (an attempt timeout). A `context` reads it itself,
    /// and the engine takes the call's start from it at the first failure.
    // Inline only in an optimised build: an unoptimised one would compile a copy of it (and of
    // `attempt_limit`) in every codegen unit of the annotated crate that calls it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn new(policy: &Policy, track_time: bool) -> Self {
        let start = crate::clock::stamp_if(track_time || policy.deadline_value().is_some());
        Engine {
            progress: Progress::new(start),
        }
    }

    /// The number of the attempt running or just run, 1-based.
    #[inline(always)]
    pub fn attempt(&self) -> u32 {
        self.progress.attempt()
    }

    /// When the call started, if anything has read the clock.
    fn start(&self) -> Option<Instant> {
        (self.progress.start != 0).then(|| crate::clock::instant_of(self.progress.start))
    }

    /// A context for the body, for sites with `context`: a call, as it runs once per call and
    /// inlined at every such site it cost rustc about 5 M instructions a site in an optimised
    /// build.
    pub fn context(&self, policy: &Policy) -> Attempt {
        self.context_inline(policy)
    }

    /// [`context`](Self::context) for [`call`](crate::call), whose first-attempt success it
    /// would cost a call.
    #[inline(always)]
    pub(crate) fn context_inline(&self, policy: &Policy) -> Attempt {
        Attempt::new(
            policy.max_attempts_value(),
            self.start().unwrap_or_else(crate::clock::now),
            policy.deadline_value(),
        )
    }

    /// Prepares `context` for the attempt about to run.
    #[cfg_attr(not(debug_assertions), inline)]
    pub fn begin(&self, context: &mut Attempt) {
        context.begin(self.attempt());
    }

    /// The time limit for the next attempt: `limit`, shortened to what is left of the deadline.
    #[cfg_attr(not(debug_assertions), inline)]
    pub fn attempt_limit(&self, policy: &Policy, limit: Duration) -> Duration {
        match (policy.deadline_value(), self.progress.start) {
            (Some(deadline), start) if start != 0 => {
                limit.min(deadline.saturating_sub(crate::clock::since_stamp(start)))
            }
            _ => limit,
        }
    }

    /// The attempt succeeded (or `until` accepted its value): the call returns it. Reports a
    /// success event when retries were needed; the first-attempt path does nothing else.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn succeeded(&mut self, policy: &Policy, site: &'static Site, hooks: Hooks<'_, '_>) -> Next {
        if let Some(budget) = hooks.budget {
            budget.record_success();
        }
        if let Some(permit) = hooks.permit {
            if let Some(transition) = permit.record(false) {
                report_transition(site, hooks.observer, self.attempt(), transition);
            }
        }
        if self.progress.retries > 0 {
            self.recovered(policy, site, hooks.observer);
        }
        Next::Return
    }

    /// A success after failures: counted and reported, out of line. Inline, it cost rustc about
    /// 3 M instructions per async site in an optimised build, for some 20 instructions saved
    /// once per call that needed retries.
    #[cold]
    #[inline(never)]
    fn recovered(&mut self, policy: &Policy, site: &'static Site, observer: Option<&dyn Observer>) {
        self.progress.succeeded(policy, site, observer);
    }

    /// What comes after an attempt its site classified as `verdict`: `Break(outcome)` to return
    /// it, or `Continue(delay)` to sleep (the outcome dropped) and run the next attempt. The
    /// success path is inline, a failure out of line (`view` shows the error to observers). For
    /// loops that keep their state in a future or beside a budget, a breaker or a context; plain
    /// sync sites run [`retry_blocking`](crate::__private::retry_blocking) instead.
    ///
    /// In an optimised build this is inline at the site, whose policy is a `static`: the lean
    /// path of a failure reads it as a constant, folded in. An unoptimised build forwards to one
    /// copy per outcome type, called rather than inlined into every site.
    #[inline(always)]
    pub fn decide<R>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        outcome: R,
        (verdict, view): Classified<R>,
    ) -> ControlFlow<R, Delay> {
        #[cfg(debug_assertions)]
        {
            // An unoptimised build is for compiling fast: one copy of the decision per outcome
            // type, called, not inlined into every site.
            self.decide_shared(policy, site, hooks, context, verdict, outcome, view)
        }
        #[cfg(not(debug_assertions))]
        {
            self.decide_with(policy, site, hooks, context, verdict, outcome, view)
        }
    }

    /// [`decide`](Self::decide) for a site with no observer, budget, breaker or context of its
    /// own (most sites): fewer arguments for rustc to check at every site. Its body repeats
    /// `decide`'s rather than calling it: in a debug build that extra inlined call at every site
    /// cost 120 M more instructions to build the 300-fn bench crate (1.1%).
    #[inline(always)]
    pub fn decide_plain<R>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        outcome: R,
        (verdict, view): Classified<R>,
    ) -> ControlFlow<R, Delay> {
        #[cfg(debug_assertions)]
        {
            self.decide_shared(policy, site, Hooks::default(), None, verdict, outcome, view)
        }
        #[cfg(not(debug_assertions))]
        {
            self.decide_with(policy, site, Hooks::default(), None, verdict, outcome, view)
        }
    }

    /// [`decide`](Self::decide) in an unoptimised build.
    #[cfg(debug_assertions)]
    #[allow(clippy::too_many_arguments)] // `decide`'s own
    fn decide_shared<R>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        verdict: Verdict,
        outcome: R,
        view: View<R>,
    ) -> ControlFlow<R, Delay> {
        self.decide_with(policy, site, hooks, context, verdict, outcome, view)
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments)] // `decide`'s own
    fn decide_with<R>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        verdict: Verdict,
        outcome: R,
        view: View<R>,
    ) -> ControlFlow<R, Delay> {
        if verdict.is_success() {
            self.succeeded(policy, site, hooks);
            return ControlFlow::Break(outcome);
        }
        // The outcome comes by value and is only borrowed here, on the failure path, so a
        // success never needs it in memory.
        let next = if hooks.plain(context) {
            if let Some(delay) = self.retry_lean(policy, site, hooks.observer, verdict) {
                return ControlFlow::Continue(delay);
            }
            self.failed_plain_long(policy, site, hooks.observer, verdict, &outcome, view)
        } else {
            let failure = verdict.failure(show(&outcome, view));
            self.failed_hooked(policy, site, hooks, context, failure)
        };
        match next {
            Next::Return => ControlFlow::Break(outcome),
            // The error goes before the sleep: it may hold a connection or a buffer.
            Next::Sleep(delay) => ControlFlow::Continue(delay),
        }
    }

    /// [`Progress::retry_lean`] in a site's own code, with the plan worked out from its policy.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn retry_lean(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        verdict: Verdict,
    ) -> Option<Delay> {
        self.progress
            .retry_lean(policy, Plan::of(policy), site, observer, verdict, LeanIn::Site)
    }

    /// The attempt failed (or `until` rejected its value): give up, or sleep and go again. What
    /// [`decide`](Self::decide) does with a failure, for tests that build the failure by hand.
    #[cfg(test)]
    pub(crate) fn failed(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        failure: Failure<'_>,
    ) -> Next {
        if hooks.plain(context) {
            let verdict = Verdict::error(failure.retryable, failure.hint);
            match self.retry_lean(policy, site, hooks.observer, verdict) {
                Some(delay) => Next::Sleep(delay),
                None => self
                    .progress
                    .failed_long(policy, site, hooks.observer, verdict, failure.error),
            }
        } else {
            self.failed_hooked(policy, site, hooks, context, failure)
        }
    }

    /// The long way of a failure at a plain site, which [`decide`](Self::decide) takes when
    /// [`Progress::retry_lean`] declines: one copy per outcome type, out of line.
    #[cold]
    #[inline(never)]
    fn failed_plain_long<R>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        verdict: Verdict,
        outcome: &R,
        view: View<R>,
    ) -> Next {
        let error = observed_error(observer, outcome, view);
        self.progress.failed_long(policy, site, observer, verdict, error)
    }

    /// A failure at a site with a budget, a breaker or a context to consult.
    #[cold]
    #[inline(never)]
    fn failed_hooked(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        failure: Failure<'_>,
    ) -> Next {
        let progress = &mut self.progress;
        if let (0, Some(context)) = (progress.start, context) {
            // The call's start, which the context read: events count from there.
            progress.start = crate::clock::stamp_of(context.started());
        }
        let (stopped, body_hint) = context.map_or((false, None), Attempt::take_verdict);
        // Only failures worth retrying say the dependency is struggling.
        let struggling = failure.retryable && !failure.rejected;
        if let (Some(budget), true) = (hooks.budget, struggling) {
            budget.record_failure();
        }
        let mut permit = hooks.permit;
        if let Some(transition) = permit.as_deref_mut().and_then(|p| p.record(struggling)) {
            report_transition(site, hooks.observer, progress.attempt(), transition);
        }
        let retryable = failure.retryable && !stopped;
        let mut elapsed = None;
        let mut decision = progress.decide(policy, retryable, body_hint.or(failure.hint), &mut elapsed);
        if decision.is_ok() && !failure.rejected && hooks.budget.is_some_and(|b| !b.allows_retry()) {
            decision = Err(GiveUpReason::Budget);
        }
        if let (Ok(_), Some(permit)) = (decision, permit) {
            // Decided while this call still holds its error, so a breaker that opened since
            // ends the call with that error rather than a bare `CircuitOpen`.
            let (admitted, transition) = permit.renew();
            if let Some(transition) = transition {
                report_transition(site, hooks.observer, progress.attempt(), transition);
            }
            if !admitted {
                decision = Err(GiveUpReason::CircuitOpen);
            }
        }
        match decision {
            Ok(delay) => progress.retry(policy, site, hooks.observer, (delay, elapsed), failure.error),
            Err(reason) => progress.give_up(policy, site, hooks.observer, (reason, elapsed), failure.error),
        }
    }
}

/// Asks `breaker` to let a call's first attempt run; reports a change of state, and a
/// fail-fast give-up (attempt 0: nothing ran) when it refuses.
#[cold]
#[inline(never)]
pub fn admit<'b>(
    breaker: &'b CircuitBreaker,
    policy: &Policy,
    site: &'static Site,
    observer: Option<&dyn Observer>,
) -> Option<Permit<'b>> {
    let (permit, transition) = breaker.acquire();
    if let Some(transition) = transition {
        report_transition(site, observer, 0, transition);
    }
    if permit.is_none() {
        stats::count(site, Tally::GaveUp(GiveUpReason::CircuitOpen));
        if let Some(observer) = event::target(observer) {
            let event = Event {
                site: *site.info(),
                kind: EventKind::GiveUp,
                attempt: 0,
                max_attempts: policy.max_attempts_value(),
                delay: None,
                elapsed: Duration::ZERO,
                reason: Some(GiveUpReason::CircuitOpen),
                error_type: None,
            };
            event::deliver(observer, &event, None);
        }
    }
    permit
}

/// Tells observers that a breaker changed state because of this site's call.
#[cold]
#[inline(never)]
fn report_transition(
    site: &'static Site,
    observer: Option<&dyn Observer>,
    attempt: u32,
    transition: Transition,
) {
    let Some(observer) = event::target(observer) else {
        return;
    };
    let kind = match transition {
        Transition::Opened => EventKind::CircuitOpened,
        Transition::HalfOpened => EventKind::CircuitHalfOpen,
        Transition::Closed => EventKind::CircuitClosed,
    };
    let event = Event {
        site: *site.info(),
        kind,
        attempt,
        max_attempts: 0,
        delay: None,
        elapsed: Duration::ZERO,
        reason: None,
        error_type: None,
    };
    event::deliver(observer, &event, None);
}

impl Progress {
    /// The progress of a call about to run (or that just ran) its first attempt; `start` is
    /// the `clock::stamp` of its start, 0 if nothing needed the clock.
    #[inline(always)]
    pub(crate) fn new(start: u64) -> Progress {
        Progress {
            retries: 0,
            start,
            schedule: Schedule::new(),
        }
    }

    /// The number of the attempt running or just run, 1-based.
    #[inline(always)]
    fn attempt(&self) -> u32 {
        // At most `max_attempts`, which is a `u32`: no overflow.
        self.retries + 1
    }

    /// The lean path of a failure, which most failures take: the delay before the next
    /// attempt, counted, when there is nothing else to ask or tell (the failure is retryable
    /// with no hint, attempts are left, the policy has no deadline, retries are on, and no
    /// observer listens, the site's or the global one). `None` sends the failure the long way.
    /// `plan` is what the lean path needs of the policy; `place` says where it runs.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn retry_lean(
        &mut self,
        policy: &Policy,
        plan: Plan,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        verdict: Verdict,
        place: LeanIn,
    ) -> Option<Delay> {
        let lean = verdict.retryable_now()
            && observer.is_none()
            && self.attempt() < plan.lean_attempts
            && crate::detours::none();
        if !lean {
            return None;
        }
        let delay = self.planned_delay(policy, plan.delays);
        match place {
            LeanIn::Site => stats::count(site, Tally::Retry),
            LeanIn::Loop => stats::count_listed(site, Tally::Retry),
        }
        self.retries += 1;
        Some(Delay(delay))
    }

    /// The next delay with no hint, as `plan` says to compute it: the usual schedules inline and
    /// any other out of line. At an async site, computing every schedule inline, with the policy
    /// folded in, saved nothing measurable on the usual schedules but cost rustc 341 M more
    /// instructions in an optimised build of 150 async sites (`BENCHMARKS.md`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn planned_delay(&mut self, policy: &Policy, plan: DelayPlan) -> u64 {
        match plan {
            DelayPlan::Zero => 0,
            DelayPlan::Doubling | DelayPlan::DoublingFull => {
                match self
                    .schedule
                    .next_doubling(policy.base_nanos(), policy.cap_nanos())
                {
                    0 => 0,
                    scheduled if plan == DelayPlan::DoublingFull => {
                        jitter::uniform(crate::random::next_u64(), 0, scheduled)
                    }
                    scheduled => scheduled,
                }
            }
            DelayPlan::Other => scheduled_delay(&mut self.schedule, policy),
        }
    }

    /// The long way of a failure at a site with nothing but an observer to tell, when
    /// [`retry_lean`](Self::retry_lean) declines: every question asked, events reported.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn failed_long(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        verdict: Verdict,
        error: Option<ErrorView<'_>>,
    ) -> Next {
        let (next, progress) = self.failed_long_by_value(policy, site, observer, verdict, error);
        *self = progress;
        next
    }

    /// [`failed_long`](Self::failed_long), out of line: one copy for every site. It takes the
    /// progress by value and hands it back, so that a loop whose progress only this call would
    /// borrow keeps it in registers.
    #[cold]
    #[inline(never)]
    fn failed_long_by_value(
        mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        verdict: Verdict,
        error: Option<ErrorView<'_>>,
    ) -> (Next, Progress) {
        let (retryable, hint) = (verdict.retryable(), verdict.hint());
        let mut elapsed = None;
        let next = match self.decide(policy, retryable, hint, &mut elapsed) {
            Ok(delay) => self.retry(policy, site, observer, (delay, elapsed), error),
            Err(reason) => self.give_up(policy, site, observer, (reason, elapsed), error),
        };
        (next, self)
    }

    /// Give up, or the delay before the next attempt in nanoseconds: what the policy, the kill
    /// switch and the classification say, before any budget or breaker has its say. A deadline
    /// reads the clock into `elapsed`, for the event to report the same time.
    #[inline(always)]
    fn decide(
        &mut self,
        policy: &Policy,
        retryable: bool,
        hint: Option<Duration>,
        elapsed: &mut Option<Duration>,
    ) -> Result<u64, GiveUpReason> {
        if !retryable {
            return Err(GiveUpReason::NotRetryable);
        }
        if !crate::switch::is_enabled() {
            return Err(GiveUpReason::Disabled);
        }
        if self.attempt() >= policy.max_attempts_value() {
            return Err(GiveUpReason::Exhausted);
        }
        let delay = next_delay(&mut self.schedule, policy, hint);
        match policy.deadline_value() {
            Some(deadline) if self.overruns(deadline, delay, elapsed) => Err(GiveUpReason::Deadline),
            _ => Ok(delay),
        }
    }

    /// Whether sleeping `delay` nanoseconds more would end past `deadline`.
    #[cold]
    #[inline(never)]
    fn overruns(&mut self, deadline: Duration, delay: u64, elapsed: &mut Option<Duration>) -> bool {
        let now = self.elapsed();
        *elapsed = Some(now);
        now.saturating_add(Duration::from_nanos(delay)) > deadline
    }

    /// Counts and reports a retry, and moves on to the next attempt.
    #[inline(always)]
    fn retry<'e>(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        (delay, elapsed): (u64, Option<Duration>),
        error: Option<ErrorView<'e>>,
    ) -> Next {
        stats::count(site, Tally::Retry);
        if let Some(observer) = event::target(observer) {
            let event = (EventKind::Retry, Some(Duration::from_nanos(delay)), None, elapsed);
            self.tell(policy, site, observer, event, error);
        }
        self.retries += 1;
        Next::Sleep(Delay(delay))
    }

    /// Counts and reports a give-up.
    #[cold]
    #[inline(never)]
    fn give_up(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
        (reason, elapsed): (GiveUpReason, Option<Duration>),
        error: Option<ErrorView<'_>>,
    ) -> Next {
        stats::count(site, Tally::GaveUp(reason));
        if let Some(observer) = event::target(observer) {
            self.tell(
                policy,
                site,
                observer,
                (EventKind::GiveUp, None, Some(reason), elapsed),
                error,
            );
        }
        Next::Return
    }

    /// Time since the call started (or since the clock was first needed).
    fn elapsed(&mut self) -> Duration {
        if self.start == 0 {
            self.start = crate::clock::stamp();
            Duration::ZERO
        } else {
            crate::clock::since_stamp(self.start)
        }
    }

    /// A success after failures: counted, and reported to the observer if one listens. The
    /// failures before it counted, so the site is listed already.
    #[inline(always)]
    pub(crate) fn succeeded(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: Option<&dyn Observer>,
    ) {
        stats::count_listed(site, Tally::Recovered);
        if observer.is_some() || crate::detours::load() & crate::detours::GLOBAL_OBSERVER != 0 {
            self.report_success(policy, site, observer);
        }
    }

    /// The event of [`succeeded`](Self::succeeded). By value, as the call's progress ends here:
    /// a loop that lent it nowhere else keeps it in registers.
    #[cold]
    #[inline(never)]
    fn report_success(mut self, policy: &Policy, site: &'static Site, observer: Option<&dyn Observer>) {
        if let Some(observer) = event::target(observer) {
            self.tell(
                policy,
                site,
                observer,
                (EventKind::Success, None, None, None),
                None,
            );
        }
    }

    /// Hands `observer` an event about this call: what happened, the delay, the reason, and
    /// the elapsed time when a deadline already read it (else it is read now).
    #[cold]
    #[inline(never)]
    fn tell(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        observer: &dyn Observer,
        (kind, delay, reason, elapsed): (
            EventKind,
            Option<Duration>,
            Option<GiveUpReason>,
            Option<Duration>,
        ),
        error: Option<ErrorView<'_>>,
    ) {
        let event = Event {
            site: *site.info(),
            kind,
            attempt: self.attempt(),
            max_attempts: policy.max_attempts_value(),
            delay,
            elapsed: elapsed.unwrap_or_else(|| self.elapsed()),
            reason,
            error_type: error.map(|e| e.type_name()),
        };
        event::deliver(observer, &event, error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Recorder;

    static SITE: Site = Site::new("unit", "m", "f.rs", 1);

    fn failure(retryable: bool) -> Failure<'static> {
        Failure {
            retryable,
            hint: None,
            error: None,
            rejected: false,
        }
    }

    fn observed(observer: Option<&dyn Observer>) -> Hooks<'_, 'static> {
        Hooks {
            observer,
            ..Hooks::default()
        }
    }

    fn fail(
        engine: &mut Engine,
        policy: &Policy,
        observer: Option<&dyn Observer>,
        failure: Failure<'_>,
    ) -> Next {
        engine.failed(policy, &SITE, observed(observer), None, failure)
    }

    #[test]
    fn counts_attempts_and_gives_up_when_exhausted() {
        let policy = Policy::constant(Duration::from_millis(10))
            .jitter(Jitter::None)
            .max_attempts(3);
        let recorder = Recorder::new();
        let mut engine = Engine::new(&policy, false);
        let obs: Option<&dyn Observer> = Some(&recorder);
        let ten = Next::Sleep(Duration::from_millis(10).into());
        assert_eq!(fail(&mut engine, &policy, obs, failure(true)), ten);
        assert_eq!(engine.attempt(), 2);
        assert_eq!(fail(&mut engine, &policy, obs, failure(true)), ten);
        assert_eq!(fail(&mut engine, &policy, obs, failure(true)), Next::Return);
        let kinds: Vec<_> = recorder
            .events()
            .iter()
            .map(|e| (e.kind(), e.attempt(), e.reason()))
            .collect();
        assert_eq!(
            kinds,
            [
                (EventKind::Retry, 1, None),
                (EventKind::Retry, 2, None),
                (EventKind::GiveUp, 3, Some(GiveUpReason::Exhausted)),
            ]
        );
    }

    #[test]
    fn hints_are_capped_and_unjittered() {
        let policy = Policy::DEFAULT.max_delay(Duration::from_secs(1));
        let mut engine = Engine::new(&policy, false);
        let hinted = Failure {
            hint: Some(Duration::from_secs(3600)),
            ..failure(true)
        };
        assert_eq!(
            fail(&mut engine, &policy, None, hinted),
            Next::Sleep(Duration::from_secs(1).into())
        );
        let zero = Failure {
            hint: Some(Duration::ZERO),
            ..failure(true)
        };
        assert_eq!(
            fail(&mut engine, &policy, None, zero),
            Next::Sleep(Duration::ZERO.into())
        );
    }

    #[test]
    fn not_retryable_gives_up_on_the_first_attempt() {
        let recorder = Recorder::new();
        let mut engine = Engine::new(&Policy::DEFAULT, false);
        let next = fail(&mut engine, &Policy::DEFAULT, Some(&recorder), failure(false));
        assert_eq!(next, Next::Return);
        assert_eq!(recorder.events()[0].reason(), Some(GiveUpReason::NotRetryable));
    }

    #[test]
    fn a_delay_past_the_deadline_gives_up() {
        let policy = Policy::constant(Duration::from_secs(2))
            .jitter(Jitter::None)
            .deadline(Duration::from_secs(1));
        let recorder = Recorder::new();
        let mut engine = Engine::new(&policy, false);
        assert!(
            engine.start().is_some(),
            "a deadline starts the clock with the call"
        );
        let next = engine.failed(&policy, &SITE, observed(Some(&recorder)), None, failure(true));
        assert_eq!(next, Next::Return);
        assert_eq!(recorder.events()[0].reason(), Some(GiveUpReason::Deadline));
    }

    #[test]
    fn first_attempt_success_is_silent_and_reads_no_clock() {
        let recorder = Recorder::new();
        let mut engine = Engine::new(&Policy::DEFAULT, false);
        assert_eq!(engine.start(), None);
        assert_eq!(
            engine.succeeded(&Policy::DEFAULT, &SITE, observed(Some(&recorder))),
            Next::Return
        );
        assert!(recorder.events().is_empty());
        assert_eq!((engine.progress.retries, engine.progress.start), (0, 0));
        assert_eq!(size_of::<Engine>(), 32);
    }

    #[test]
    fn success_after_a_retry_is_reported() {
        let recorder = Recorder::new();
        let policy = Policy::DEFAULT;
        let mut engine = Engine::new(&policy, false);
        fail(&mut engine, &policy, Some(&recorder), failure(true));
        engine.succeeded(&policy, &SITE, observed(Some(&recorder)));
        let kinds: Vec<_> = recorder
            .events()
            .iter()
            .map(|e| (e.kind(), e.attempt()))
            .collect();
        assert_eq!(kinds, [(EventKind::Retry, 1), (EventKind::Success, 2)]);
    }

    #[test]
    fn regression_attempt_numbers_near_the_limit() {
        // stamina, tenacity and Polly overflowed at attempt 1024; walk far past it.
        for attempts in [1024u32, 1 << 31, u32::MAX] {
            let policy = Policy::exponential(Duration::from_millis(1)).max_attempts(attempts);
            let mut engine = Engine::new(&policy, false);
            fail(&mut engine, &policy, None, failure(true));
            let progress = &mut engine.progress;
            progress.retries = attempts - 2;
            for _ in 0..200 {
                progress.schedule.next(&policy);
            }
            let next = fail(&mut engine, &policy, None, failure(true));
            assert!(matches!(next, Next::Sleep(d) if Duration::from(d) <= Duration::from_secs(10)));
            assert_eq!(fail(&mut engine, &policy, None, failure(true)), Next::Return);
        }
    }

    #[test]
    fn a_spent_budget_ends_the_call_but_until_rejections_spend_nothing() {
        let budget = RetryBudget::new(4, 0.0);
        let recorder = Recorder::new();
        let policy = Policy::constant(Duration::ZERO).max_attempts(10);
        let hooks = || Hooks {
            observer: Some(&recorder),
            budget: Some(&budget),
            permit: None,
        };
        let mut polling = Engine::new(&policy, false);
        let not_ready = Failure {
            rejected: true,
            ..failure(true)
        };
        for _ in 0..5 {
            assert!(matches!(
                polling.failed(&policy, &SITE, hooks(), None, not_ready),
                Next::Sleep(_)
            ));
        }
        assert_eq!(budget.tokens(), 4.0, "polling spends no tokens");
        let mut engine = Engine::new(&policy, false);
        assert!(matches!(
            engine.failed(&policy, &SITE, hooks(), None, failure(true)),
            Next::Sleep(_)
        ));
        assert_eq!(
            engine.failed(&policy, &SITE, hooks(), None, failure(true)),
            Next::Return
        );
        let last = recorder.events().pop().unwrap();
        assert_eq!(last.reason(), Some(GiveUpReason::Budget));
    }

    #[test]
    fn a_breaker_that_opens_between_attempts_stops_the_call() {
        let breaker = CircuitBreaker::new().minimum_calls(2).failure_ratio(1.0);
        let recorder = Recorder::new();
        let policy = Policy::constant(Duration::ZERO).max_attempts(10);
        let mut permit = admit(&breaker, &policy, &SITE, None).unwrap();
        let mut engine = Engine::new(&policy, false);
        let fail_once = |engine: &mut Engine, permit: &mut Permit<'_>| {
            let hooks = Hooks {
                observer: Some(&recorder),
                budget: None,
                permit: Some(permit),
            };
            engine.failed(&policy, &SITE, hooks, None, failure(true))
        };
        assert!(matches!(fail_once(&mut engine, &mut permit), Next::Sleep(_)));
        assert_eq!(fail_once(&mut engine, &mut permit), Next::Return);
        let kinds: Vec<_> = recorder.events().iter().map(|e| (e.kind(), e.reason())).collect();
        assert_eq!(
            kinds,
            [
                (EventKind::Retry, None),
                (EventKind::CircuitOpened, None),
                (EventKind::GiveUp, Some(GiveUpReason::CircuitOpen)),
            ]
        );
        assert!(
            admit(&breaker, &policy, &SITE, Some(&recorder)).is_none(),
            "later calls fail fast"
        );
        assert_eq!(recorder.events().last().unwrap().attempt(), 0);
    }

    proptest::proptest! {
        /// The shared sync loop's delays (`planned_delay`, with the plan a site makes) are the
        /// delays the general computation gives, draw for draw, for every backoff, jitter,
        /// factor (2 exactly, or another), base (zero included) and cap.
        #[test]
        fn planned_delays_are_the_general_ones(
            backoff in 0u8..4,
            jitter in 0u8..4,
            base in proptest::prop_oneof![proptest::strategy::Just(0u64), 0u64..=u64::MAX],
            cap in 0u64..=u64::MAX,
            shift in 0u32..64,
            factor in proptest::prop_oneof![proptest::strategy::Just(2.0f64), 1.0f64..4.0],
            seed in 0u64..=u64::MAX,
        ) {
            let base = Duration::from_nanos(base >> shift);
            let policy = match backoff {
                0 => Policy::exponential(base),
                1 => Policy::constant(base),
                2 => Policy::linear(base),
                _ => Policy::fibonacci(base),
            };
            let jitter = [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated][usize::from(jitter)];
            let policy = policy
                .factor(factor)
                .max_delay(Duration::from_nanos(cap))
                .jitter(jitter);
            let plan = Plan::of(&policy);
            let run = |planned: bool| {
                let saved = crate::random::replace_with_seed(seed);
                let mut progress = Progress::new(0);
                let delays: Vec<u64> = (0..12)
                    .map(|_| {
                        if planned {
                            progress.planned_delay(&policy, plan.delays)
                        } else {
                            next_delay(&mut progress.schedule, &policy, None)
                        }
                    })
                    .collect();
                crate::random::restore(saved);
                delays
            };
            proptest::prop_assert_eq!(run(true), run(false));
        }
    }
}
