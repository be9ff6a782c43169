//! The retry loop's state machine, shared by `#[retry]` expansions, [`call`](crate::call) and
//! [`call_async`](crate::call_async).
//!
//! The caller runs an attempt, classifies its outcome, and asks the engine what to do next. The
//! success path is inline and touches only the attempt counter; everything a failure needs (the
//! clock, the random generator, observers) sits behind the out-of-line [`Engine::failed`].

use core::time::Duration;
use std::time::Instant;

use crate::backoff::{Schedule, to_nanos};
use crate::event::{self, Event, EventKind, GiveUpReason, Observer, Site};
use crate::jitter::{self, Jitter};
use crate::{Attempt, ErrorView, Policy};

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
}

/// One call's retry state.
#[derive(Debug)]
pub struct Engine<'p> {
    policy: &'p Policy,
    attempt: u32,
    start: Option<Instant>,
    schedule: Schedule,
    previous_delay: u64,
}

impl<'p> Engine<'p> {
    /// A call about to run its first attempt. The clock is read now only when the policy has a
    /// deadline or `track_time` asks for it (a `context` or an attempt timeout); otherwise it
    /// starts at the first failure, so a first-attempt success reads no clock.
    #[inline(always)]
    pub fn new(policy: &'p Policy, track_time: bool) -> Self {
        let start = if track_time || policy.deadline_value().is_some() {
            Some(Instant::now())
        } else {
            None
        };
        Engine {
            policy,
            attempt: 1,
            start,
            schedule: Schedule::new(),
            previous_delay: 0,
        }
    }

    /// The number of the attempt running or just run, 1-based.
    #[inline(always)]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A context for the body, for sites with `context` (or [`call`](crate::call)).
    pub fn context(&mut self) -> Attempt {
        let start = *self.start.get_or_insert_with(Instant::now);
        Attempt::new(
            self.policy.max_attempts_value(),
            start,
            self.policy.deadline_value(),
        )
    }

    /// Prepares `context` for the attempt about to run.
    #[inline]
    pub fn begin(&self, context: &mut Attempt) {
        context.begin(self.attempt);
    }

    /// The time limit for the next attempt: `limit`, shortened to what is left of the deadline.
    #[inline]
    pub fn attempt_limit(&mut self, limit: Duration) -> Duration {
        match self.policy.deadline_value() {
            Some(deadline) => limit.min(deadline.saturating_sub(self.elapsed())),
            None => limit,
        }
    }

    /// The attempt succeeded (or `until` accepted its value): the call returns it. Reports a
    /// success event when retries were needed; the first-attempt path does nothing else.
    #[inline(always)]
    pub fn succeeded(
        &mut self,
        site: &Site,
        observer: Option<&dyn Observer>,
        context: Option<&Attempt>,
    ) -> Next {
        let _ = context;
        if self.attempt > 1 {
            self.report_success(site, observer);
        }
        Next::Return
    }

    /// The attempt failed (or `until` rejected its value): give up, or sleep and go again.
    #[inline(never)]
    pub fn failed(
        &mut self,
        site: &Site,
        observer: Option<&dyn Observer>,
        context: Option<&Attempt>,
        failure: Failure<'_>,
    ) -> Next {
        let (stopped, body_hint) = context.map_or((false, None), Attempt::take_verdict);
        let elapsed = self.elapsed();
        let max_attempts = self.policy.max_attempts_value();
        let mut give_up = if stopped || !failure.retryable {
            Some(GiveUpReason::NotRetryable)
        } else if self.attempt >= max_attempts {
            Some(GiveUpReason::Exhausted)
        } else {
            None
        };
        let mut delay = Duration::ZERO;
        if give_up.is_none() {
            delay = self.next_delay(body_hint.or(failure.hint));
            let past_deadline = self
                .policy
                .deadline_value()
                .is_some_and(|deadline| elapsed.saturating_add(delay) > deadline);
            if past_deadline {
                give_up = Some(GiveUpReason::Deadline);
            }
        }
        if let Some(reason) = give_up {
            self.report(
                site,
                observer,
                EventKind::GiveUp,
                None,
                Some(reason),
                elapsed,
                failure.error,
            );
            return Next::Return;
        }
        self.report(
            site,
            observer,
            EventKind::Retry,
            Some(delay),
            None,
            elapsed,
            failure.error,
        );
        self.attempt += 1;
        Next::Sleep(delay)
    }

    /// The delay before the next attempt: a hint as given (capped), else the schedule with
    /// jitter. Never above `max_delay`.
    fn next_delay(&mut self, hint: Option<Duration>) -> Duration {
        let policy = self.policy;
        let cap = policy.cap_nanos();
        let scheduled = self.schedule.next(policy);
        let nanos = match (hint, policy.jitter_value()) {
            (Some(hint), _) => to_nanos(hint).min(cap),
            (None, Jitter::None) => scheduled,
            (None, kind) => {
                let base = to_nanos(policy.base_value());
                jitter::apply(
                    kind,
                    scheduled,
                    base,
                    cap,
                    self.previous_delay,
                    crate::random::next_u64(),
                )
            }
        };
        self.previous_delay = nanos;
        Duration::from_nanos(nanos)
    }

    fn elapsed(&mut self) -> Duration {
        match self.start {
            Some(start) => start.elapsed(),
            None => {
                self.start = Some(Instant::now());
                Duration::ZERO
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn report_success(&mut self, site: &Site, observer: Option<&dyn Observer>) {
        let elapsed = self.elapsed();
        self.report(site, observer, EventKind::Success, None, None, elapsed, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        site: &Site,
        observer: Option<&dyn Observer>,
        kind: EventKind,
        delay: Option<Duration>,
        reason: Option<GiveUpReason>,
        elapsed: Duration,
        error: Option<ErrorView<'_>>,
    ) {
        let Some(observer) = event::target(observer) else {
            return;
        };
        let event = Event {
            site: *site,
            kind,
            attempt: self.attempt,
            max_attempts: self.policy.max_attempts_value(),
            delay,
            elapsed,
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

    const SITE: Site = Site::new("unit", "m", "f.rs", 1);

    fn failure(retryable: bool) -> Failure<'static> {
        Failure {
            retryable,
            hint: None,
            error: None,
        }
    }

    #[test]
    fn counts_attempts_and_gives_up_when_exhausted() {
        let policy = Policy::constant(Duration::from_millis(10))
            .jitter(Jitter::None)
            .max_attempts(3);
        let recorder = Recorder::new();
        let mut engine = Engine::new(&policy, false);
        let obs: Option<&dyn Observer> = Some(&recorder);
        assert_eq!(
            engine.failed(&SITE, obs, None, failure(true)),
            Next::Sleep(Duration::from_millis(10))
        );
        assert_eq!(
            engine.failed(&SITE, obs, None, failure(true)),
            Next::Sleep(Duration::from_millis(10))
        );
        assert_eq!(engine.failed(&SITE, obs, None, failure(true)), Next::Return);
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
            engine.failed(&SITE, None, None, hinted),
            Next::Sleep(Duration::from_secs(1))
        );
        let zero = Failure {
            hint: Some(Duration::ZERO),
            ..failure(true)
        };
        assert_eq!(
            engine.failed(&SITE, None, None, zero),
            Next::Sleep(Duration::ZERO)
        );
    }

    #[test]
    fn not_retryable_gives_up_on_the_first_attempt() {
        let recorder = Recorder::new();
        let mut engine = Engine::new(&Policy::DEFAULT, false);
        assert_eq!(
            engine.failed(&SITE, Some(&recorder), None, failure(false)),
            Next::Return
        );
        assert_eq!(recorder.events()[0].reason(), Some(GiveUpReason::NotRetryable));
    }

    #[test]
    fn a_delay_past_the_deadline_gives_up() {
        let policy = Policy::constant(Duration::from_secs(2))
            .jitter(Jitter::None)
            .deadline(Duration::from_secs(1));
        let recorder = Recorder::new();
        let mut engine = Engine::new(&policy, false);
        assert_eq!(
            engine.failed(&SITE, Some(&recorder), None, failure(true)),
            Next::Return
        );
        assert_eq!(recorder.events()[0].reason(), Some(GiveUpReason::Deadline));
    }

    #[test]
    fn first_attempt_success_is_silent() {
        let recorder = Recorder::new();
        let mut engine = Engine::new(&Policy::DEFAULT, false);
        assert_eq!(engine.succeeded(&SITE, Some(&recorder), None), Next::Return);
        assert!(recorder.events().is_empty());
        assert!(engine.start.is_none(), "no clock read on the success path");
    }

    #[test]
    fn regression_attempt_numbers_near_the_limit() {
        // stamina, tenacity and Polly overflowed at attempt 1024; walk far past it.
        for attempts in [1024u32, 1 << 31, u32::MAX] {
            let policy = Policy::exponential(Duration::from_millis(1)).max_attempts(attempts);
            let mut engine = Engine::new(&policy, false);
            engine.attempt = attempts - 1;
            engine.schedule = {
                let mut s = Schedule::new();
                for _ in 0..200 {
                    s.next(&policy);
                }
                s
            };
            let next = engine.failed(&SITE, None, None, failure(true));
            assert!(matches!(next, Next::Sleep(d) if d <= Duration::from_secs(10)));
            assert_eq!(engine.failed(&SITE, None, None, failure(true)), Next::Return);
        }
    }
}
