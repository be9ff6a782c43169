//! The retry loop's state machine, shared by `#[retry]` expansions, [`call`](crate::call) and
//! [`call_async`](crate::call_async).
//!
//! The caller runs an attempt, classifies its outcome, and asks the engine what to do next. The
//! success path is inline and touches only the attempt counter; everything a failure needs (the
//! clock, the random generator, observers) sits behind the out-of-line [`Engine::failed`].

use core::time::Duration;
use std::time::Instant;

use crate::backoff::{Schedule, to_nanos};
use crate::breaker::{Permit, Transition};
use crate::event::{self, Event, EventKind, GiveUpReason, Observer, Site};
use crate::jitter::{self, Jitter};
use crate::stats::{self, Tally};
use crate::{Attempt, CircuitBreaker, ErrorView, Policy, RetryBudget};

/// What the loop does after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Return this attempt's outcome to the caller.
    Return,
    /// Sleep this long (zero means "don't sleep"), then run the next attempt.
    Sleep(Duration),
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

impl core::fmt::Debug for Hooks<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hooks")
            .field("observer", &self.observer.is_some())
            .field("budget", &self.budget)
            .field("permit", &self.permit)
            .finish()
    }
}

/// One call's retry state, 40 bytes: it lives in every retrying future, so it is kept small.
///
/// Until the first failure it holds only the call's start time, and only when something needs
/// it (a deadline, a `context`, an attempt timeout): a first-attempt success reads no clock.
/// The policy is passed to each method rather than stored, so a `const` policy folds into the
/// code instead of taking room in the future.
#[derive(Debug)]
pub struct Engine {
    state: State,
}

#[derive(Debug)]
enum State {
    /// Nothing has failed yet.
    Fresh { clock: Option<Instant> },
    /// Something has.
    Failing(Progress),
}

/// What a call knows once something has failed.
#[derive(Debug)]
struct Progress {
    attempt: u32,
    // The call's start, or the first time a failure needed the clock (a deadline or an observer
    // to report to); a failure that needs neither reads no clock.
    start: Option<Instant>,
    // The backoff's running state; with decorrelated jitter, which ignores the backoff, its
    // `current` is the delay slept last.
    schedule: Schedule,
}

impl Engine {
    /// A call about to run its first attempt. The clock is read now only when the policy has a
    /// deadline or `track_time` asks for it (a `context` or an attempt timeout).
    #[inline(always)]
    pub fn new(policy: &Policy, track_time: bool) -> Self {
        let clock = if track_time || policy.deadline_value().is_some() {
            Some(crate::clock::now())
        } else {
            None
        };
        Engine {
            state: State::Fresh { clock },
        }
    }

    /// The number of the attempt running or just run, 1-based.
    #[inline(always)]
    pub fn attempt(&self) -> u32 {
        match &self.state {
            State::Fresh { .. } => 1,
            State::Failing(progress) => progress.attempt,
        }
    }

    /// When the call started, if anything has read the clock.
    fn start(&self) -> Option<Instant> {
        match &self.state {
            State::Fresh { clock } => *clock,
            State::Failing(progress) => progress.start,
        }
    }

    /// A context for the body, for sites with `context` (or [`call`](crate::call)).
    pub fn context(&self, policy: &Policy) -> Attempt {
        Attempt::new(
            policy.max_attempts_value(),
            self.start().unwrap_or_else(crate::clock::now),
            policy.deadline_value(),
        )
    }

    /// Prepares `context` for the attempt about to run.
    #[inline]
    pub fn begin(&self, context: &mut Attempt) {
        context.begin(self.attempt());
    }

    /// The time limit for the next attempt: `limit`, shortened to what is left of the deadline.
    #[inline]
    pub fn attempt_limit(&self, policy: &Policy, limit: Duration) -> Duration {
        match (policy.deadline_value(), self.start()) {
            (Some(deadline), Some(start)) => limit.min(deadline.saturating_sub(crate::clock::since(start))),
            _ => limit,
        }
    }

    /// The attempt succeeded (or `until` accepted its value): the call returns it. Reports a
    /// success event when retries were needed; the first-attempt path does nothing else.
    #[inline(always)]
    pub fn succeeded(&mut self, policy: &Policy, site: &'static Site, hooks: Hooks<'_, '_>) -> Next {
        if let Some(budget) = hooks.budget {
            budget.record_success();
        }
        if let Some(permit) = hooks.permit {
            if let Some(transition) = permit.record(false) {
                report_transition(site, hooks.observer, self.attempt(), transition);
            }
        }
        if let State::Failing(progress) = &mut self.state {
            progress.report_success(policy, site, hooks.observer);
        }
        Next::Return
    }

    /// The attempt failed (or `until` rejected its value): give up, or sleep and go again.
    /// Cold and out of line, so the success path keeps its registers for the caller's body.
    #[cold]
    #[inline(never)]
    pub fn failed(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        failure: Failure<'_>,
    ) -> Next {
        if let State::Fresh { clock } = self.state {
            self.state = State::Failing(Progress {
                attempt: 1,
                start: clock,
                schedule: Schedule::new(),
            });
        }
        match &mut self.state {
            State::Failing(progress) => progress.failed(policy, site, hooks, context, failure),
            State::Fresh { .. } => Next::Return,
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
    fn failed(
        &mut self,
        policy: &Policy,
        site: &'static Site,
        hooks: Hooks<'_, '_>,
        context: Option<&Attempt>,
        failure: Failure<'_>,
    ) -> Next {
        let (stopped, body_hint) = context.map_or((false, None), Attempt::take_verdict);
        let observer = event::target(hooks.observer);
        // Only failures worth retrying say the dependency is struggling.
        let struggling = failure.retryable && !failure.rejected;
        if let (Some(budget), true) = (hooks.budget, struggling) {
            budget.record_failure();
        }
        let mut permit = hooks.permit;
        if let Some(transition) = permit.as_deref_mut().and_then(|p| p.record(struggling)) {
            report_transition(site, observer, self.attempt, transition);
        }
        let elapsed = match (policy.deadline_value(), observer) {
            (None, None) => Duration::ZERO,
            _ => self.elapsed(),
        };
        let mut give_up = if stopped || !failure.retryable {
            Some(GiveUpReason::NotRetryable)
        } else if !crate::switch::is_enabled() {
            Some(GiveUpReason::Disabled)
        } else if self.attempt >= policy.max_attempts_value() {
            Some(GiveUpReason::Exhausted)
        } else {
            None
        };
        let mut delay = Duration::ZERO;
        if give_up.is_none() {
            delay = self.next_delay(policy, body_hint.or(failure.hint));
            let past_deadline = policy
                .deadline_value()
                .is_some_and(|deadline| elapsed.saturating_add(delay) > deadline);
            let budget_spent = !failure.rejected && hooks.budget.is_some_and(|b| !b.allows_retry());
            give_up = if past_deadline {
                Some(GiveUpReason::Deadline)
            } else if budget_spent {
                Some(GiveUpReason::Budget)
            } else {
                None
            };
        }
        if let (None, Some(permit)) = (give_up, permit) {
            // Decided while this call still holds its error, so a breaker that opened since
            // ends the call with that error rather than a bare `CircuitOpen`.
            let (admitted, transition) = permit.renew();
            if let Some(transition) = transition {
                report_transition(site, observer, self.attempt, transition);
            }
            if !admitted {
                give_up = Some(GiveUpReason::CircuitOpen);
            }
        }
        let report = Report {
            policy,
            site,
            observer,
            elapsed,
        };
        if let Some(reason) = give_up {
            stats::count(site, Tally::GaveUp(reason));
            self.report(report, EventKind::GiveUp, None, Some(reason), failure.error);
            return Next::Return;
        }
        stats::count(site, Tally::Retry);
        self.report(report, EventKind::Retry, Some(delay), None, failure.error);
        self.attempt += 1;
        Next::Sleep(delay)
    }

    /// The delay before the next attempt: a hint as given (capped), else the schedule with
    /// jitter. Never above `max_delay`.
    fn next_delay(&mut self, policy: &Policy, hint: Option<Duration>) -> Duration {
        let cap = policy.cap_nanos();
        let base = policy.base_nanos();
        let nanos = match (hint, policy.jitter_value()) {
            (Some(hint), _) => {
                let _ = self.schedule.next(policy);
                to_nanos(hint).min(cap)
            }
            (None, Jitter::Decorrelated) => {
                let previous = self.schedule.current;
                let bits = crate::random::next_u64();
                jitter::apply(Jitter::Decorrelated, 0, base, cap, previous, bits)
            }
            (None, Jitter::None) => self.schedule.next(policy),
            (None, kind) => {
                let scheduled = self.schedule.next(policy);
                jitter::apply(kind, scheduled, base, cap, 0, crate::random::next_u64())
            }
        };
        if policy.jitter_value() == Jitter::Decorrelated {
            self.schedule.current = nanos;
        }
        Duration::from_nanos(nanos)
    }

    /// Time since the call started (or since the clock was first needed).
    fn elapsed(&mut self) -> Duration {
        match self.start {
            Some(start) => crate::clock::since(start),
            None => {
                self.start = Some(crate::clock::now());
                Duration::ZERO
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn report_success(&mut self, policy: &Policy, site: &'static Site, observer: Option<&dyn Observer>) {
        stats::count(site, Tally::Recovered);
        let Some(observer) = event::target(observer) else {
            return;
        };
        let report = Report {
            policy,
            site,
            observer: Some(observer),
            elapsed: self.elapsed(),
        };
        self.report(report, EventKind::Success, None, None, None);
    }

    fn report(
        &self,
        report: Report<'_>,
        kind: EventKind,
        delay: Option<Duration>,
        reason: Option<GiveUpReason>,
        error: Option<ErrorView<'_>>,
    ) {
        let Some(observer) = report.observer else {
            return;
        };
        let event = Event {
            site: *report.site.info(),
            kind,
            attempt: self.attempt,
            max_attempts: report.policy.max_attempts_value(),
            delay,
            elapsed: report.elapsed,
            reason,
            error_type: error.map(|e| e.type_name()),
        };
        event::deliver(observer, &event, error);
    }
}

/// Where an event goes and what it says about the call.
#[derive(Clone, Copy)]
struct Report<'a> {
    policy: &'a Policy,
    site: &'static Site,
    observer: Option<&'a dyn Observer>,
    elapsed: Duration,
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
        let ten = Next::Sleep(Duration::from_millis(10));
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
            Next::Sleep(Duration::from_secs(1))
        );
        let zero = Failure {
            hint: Some(Duration::ZERO),
            ..failure(true)
        };
        assert_eq!(
            fail(&mut engine, &policy, None, zero),
            Next::Sleep(Duration::ZERO)
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
        assert!(matches!(engine.state, State::Fresh { clock: None }));
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
            let State::Failing(progress) = &mut engine.state else {
                panic!("failing")
            };
            progress.attempt = attempts - 1;
            for _ in 0..200 {
                progress.schedule.next(&policy);
            }
            let next = fail(&mut engine, &policy, None, failure(true));
            assert!(matches!(next, Next::Sleep(d) if d <= Duration::from_secs(10)));
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
}
