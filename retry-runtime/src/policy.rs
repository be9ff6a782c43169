//! [`Policy`]: how many attempts, how long to wait between them, and when to stop.

use core::fmt;
use core::time::Duration;

use crate::backoff::{Backoff, Delays, to_nanos};
use crate::jitter::Jitter;

/// The attempts a policy allows when neither `max_attempts` nor `deadline` is set.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The first delay when no base is given (`#[retry]` alone).
pub const DEFAULT_BASE: Duration = Duration::from_millis(100);
/// The exponential growth per retry when no factor is given.
pub const DEFAULT_FACTOR: f64 = 2.0;
/// The cap on any single delay when none is given.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);

/// A retry policy: attempts, backoff, jitter, cap and deadline.
///
/// Every constructor and builder is a `const fn`, so a policy can live in a `const` or `static`
/// and be shared by many call sites (`#[retry(policy = API_POLICY)]`); its schedule then folds to
/// constants. Timing starts at a call's first attempt, never when the policy is built.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Jitter, Policy};
///
/// const API: Policy = Policy::exponential(Duration::from_millis(50))
///     .max_attempts(4)
///     .max_delay(Duration::from_secs(2))
///     .jitter(Jitter::Full)
///     .deadline(Duration::from_secs(5));
///
/// assert_eq!(API.max_attempts_value(), 4);
/// // Un-jittered schedule: 50ms, 100ms, 200ms; jitter only ever shortens these.
/// assert_eq!(API.worst_case(), Duration::from_millis(350));
/// ```
///
/// # Invalid values
///
/// `max_attempts(0)` and a `factor` below 1 (or NaN) are programming errors: the builders panic
/// with a message naming the builder, which in a `const` or `static` is a compile error:
///
/// ```compile_fail
/// use std::time::Duration;
/// use retry_runtime::Policy;
/// const BAD: Policy = Policy::constant(Duration::from_millis(10)).max_attempts(0);
/// let _ = BAD; // error[E0080]: Policy::max_attempts: must be at least 1 (the first attempt counts)
/// ```
///
/// For values read at run time (configuration files), use [`Policy::try_max_attempts`] and
/// [`Policy::try_factor`], which return an error instead. Every other value is accepted and
/// saturates: durations beyond `u64::MAX` nanoseconds (about 584 years) act as that, and a
/// `max_delay` below `base` caps every delay at `max_delay`.
#[derive(Clone, Copy, PartialEq)]
#[must_use = "a policy does nothing until a call uses it"]
pub struct Policy {
    backoff: Backoff,
    jitter: Jitter,
    // `None` until set: the default then depends on whether a deadline is set.
    max_attempts: Option<u32>,
    // Nanoseconds, saturated at `u64::MAX` (about 584 years): the failure path computes in
    // nanoseconds, and converting a `Duration` on every retry costs a 128-bit multiplication.
    base: u64,
    factor: f64,
    max_delay: u64,
    deadline: Option<Duration>,
}

/// Why a run-time value was refused by [`Policy::try_max_attempts`] or [`Policy::try_factor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// `max_attempts` was 0; the first attempt counts, so the least is 1.
    ZeroAttempts,
    /// `factor` was below 1 or NaN; a delay may not shrink.
    FactorBelowOne,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyError::ZeroAttempts => "max_attempts must be at least 1 (the first attempt counts)",
            PolicyError::FactorBelowOne => "factor must be a number of at least 1.0",
        })
    }
}

impl std::error::Error for PolicyError {}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("backoff", &self.backoff)
            .field("jitter", &self.jitter)
            .field("max_attempts", &self.max_attempts_value())
            .field("base", &self.base_value())
            .field("factor", &self.factor)
            .field("max_delay", &self.max_delay_value())
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Default for Policy {
    /// The policy of a bare `#[retry]`: 3 attempts, exponential from 100ms ×2, capped at 10s,
    /// full jitter.
    fn default() -> Self {
        Policy::DEFAULT
    }
}

impl Policy {
    /// The policy of a bare `#[retry]`: 3 attempts, exponential from 100ms ×2, capped at 10s,
    /// full jitter, no deadline.
    pub const DEFAULT: Policy = Policy::exponential(DEFAULT_BASE);

    const fn with_backoff(backoff: Backoff, base: Duration) -> Policy {
        Policy {
            backoff,
            jitter: Jitter::Full,
            max_attempts: None,
            base: to_nanos(base),
            factor: DEFAULT_FACTOR,
            max_delay: to_nanos(DEFAULT_MAX_DELAY),
            deadline: None,
        }
    }

    /// Delays of `base × factor^(n−1)` (factor 2 unless set), the usual choice.
    pub const fn exponential(base: Duration) -> Policy {
        Policy::with_backoff(Backoff::Exponential, base)
    }

    /// The same delay, `base`, before every retry.
    pub const fn constant(base: Duration) -> Policy {
        Policy::with_backoff(Backoff::Constant, base)
    }

    /// Delays of `base × n`.
    pub const fn linear(base: Duration) -> Policy {
        Policy::with_backoff(Backoff::Linear, base)
    }

    /// Delays of `base × F(n)`, with the Fibonacci numbers 1, 1, 2, 3, 5, …
    pub const fn fibonacci(base: Duration) -> Policy {
        Policy::with_backoff(Backoff::Fibonacci, base)
    }

    /// Attempts in all, the first included: `max_attempts(1)` never retries.
    ///
    /// # Panics
    ///
    /// When `n` is 0 (a compile error in a `const` or `static`); see
    /// [`try_max_attempts`](Policy::try_max_attempts) for run-time values.
    pub const fn max_attempts(self, n: u32) -> Policy {
        match self.try_max_attempts(n) {
            Ok(policy) => policy,
            Err(_) => panic!("Policy::max_attempts: must be at least 1 (the first attempt counts)"),
        }
    }

    /// [`max_attempts`](Policy::max_attempts) for values known only at run time.
    pub const fn try_max_attempts(mut self, n: u32) -> Result<Policy, PolicyError> {
        if n == 0 {
            return Err(PolicyError::ZeroAttempts);
        }
        self.max_attempts = Some(n);
        Ok(self)
    }

    /// Growth per retry of an exponential backoff (ignored by the other backoffs).
    ///
    /// # Panics
    ///
    /// When `factor` is below 1 or NaN (a compile error in a `const` or `static`); see
    /// [`try_factor`](Policy::try_factor) for run-time values.
    pub const fn factor(self, factor: f64) -> Policy {
        match self.try_factor(factor) {
            Ok(policy) => policy,
            Err(_) => panic!("Policy::factor: must be a number of at least 1.0 (delays never shrink)"),
        }
    }

    /// [`factor`](Policy::factor) for values known only at run time.
    pub const fn try_factor(mut self, factor: f64) -> Result<Policy, PolicyError> {
        if factor.is_nan() || factor < 1.0 {
            return Err(PolicyError::FactorBelowOne);
        }
        self.factor = factor;
        Ok(self)
    }

    /// The first delay.
    pub const fn base(mut self, base: Duration) -> Policy {
        self.base = to_nanos(base);
        self
    }

    /// How the delay grows.
    pub const fn backoff(mut self, backoff: Backoff) -> Policy {
        self.backoff = backoff;
        self
    }

    /// The cap on any single delay, applied after jitter: no delay ever exceeds it.
    pub const fn max_delay(mut self, max_delay: Duration) -> Policy {
        self.max_delay = to_nanos(max_delay);
        self
    }

    /// How delays are randomised; see [`Jitter`].
    pub const fn jitter(mut self, jitter: Jitter) -> Policy {
        self.jitter = jitter;
        self
    }

    /// The total time budget from the start of the first attempt: no sleep ends past it, so no
    /// attempt starts after it. With a deadline and no explicit
    /// [`max_attempts`](Policy::max_attempts), attempts are limited by the deadline alone.
    pub const fn deadline(mut self, deadline: Duration) -> Policy {
        self.deadline = Some(deadline);
        self
    }

    /// Attempts in all, the first included: the explicit value, else unlimited (`u32::MAX`) with
    /// a deadline, else 3.
    #[must_use]
    pub const fn max_attempts_value(&self) -> u32 {
        match (self.max_attempts, self.deadline) {
            (Some(n), _) => n,
            (None, Some(_)) => u32::MAX,
            (None, None) => DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The first delay.
    #[must_use]
    pub const fn base_value(&self) -> Duration {
        Duration::from_nanos(self.base)
    }

    /// The exponential growth factor.
    #[must_use]
    pub const fn factor_value(&self) -> f64 {
        self.factor
    }

    /// The cap on any single delay.
    #[must_use]
    pub const fn max_delay_value(&self) -> Duration {
        Duration::from_nanos(self.max_delay)
    }

    /// How the delay grows.
    #[must_use]
    pub const fn backoff_value(&self) -> Backoff {
        self.backoff
    }

    /// How delays are randomised.
    #[must_use]
    pub const fn jitter_value(&self) -> Jitter {
        self.jitter
    }

    /// The total time budget, if any.
    #[must_use]
    pub const fn deadline_value(&self) -> Option<Duration> {
        self.deadline
    }

    /// The un-jittered delays, one per retry, capped at `max_delay`.
    pub fn delays(&self) -> Delays {
        Delays::new(self)
    }

    /// The longest total sleep one call can add: the sum of the largest delay jitter can pick
    /// before each retry, bounded by the deadline. Server hints (`retry_after`) are capped at
    /// `max_delay` each and are not part of this bound.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// let p = Policy::exponential(Duration::from_millis(100)).max_attempts(5);
    /// assert_eq!(p.worst_case(), Duration::from_millis(100 + 200 + 400 + 800));
    /// // Even unlimited attempts stay within the deadline.
    /// let p = Policy::constant(Duration::from_secs(1)).deadline(Duration::from_secs(30));
    /// assert_eq!(p.worst_case(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn worst_case(&self) -> Duration {
        let total = crate::worst_case::total_nanos(self);
        let total = Duration::from_nanos(total.min(u64::MAX as u128) as u64);
        match self.deadline {
            Some(deadline) => total.min(deadline),
            None => total,
        }
    }

    /// The cap on any delay, in nanoseconds.
    #[inline]
    pub(crate) const fn cap_nanos(&self) -> u64 {
        self.max_delay
    }

    /// The first delay in nanoseconds, never above the cap.
    #[inline]
    pub(crate) const fn base_nanos(&self) -> u64 {
        if self.base < self.max_delay {
            self.base
        } else {
            self.max_delay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let p = Policy::DEFAULT;
        assert_eq!(p.max_attempts_value(), 3);
        assert_eq!(p.base_value(), Duration::from_millis(100));
        assert_eq!(p.factor_value(), 2.0);
        assert_eq!(p.max_delay_value(), Duration::from_secs(10));
        assert_eq!(p.jitter_value(), Jitter::Full);
        assert_eq!(p.backoff_value(), Backoff::Exponential);
        assert_eq!(p.deadline_value(), None);
        assert_eq!(Policy::default(), p);
    }

    #[test]
    fn deadline_alone_lifts_the_attempt_limit() {
        let p = Policy::DEFAULT.deadline(Duration::from_secs(1));
        assert_eq!(p.max_attempts_value(), u32::MAX);
        assert_eq!(p.max_attempts(4).max_attempts_value(), 4);
    }

    #[test]
    fn run_time_values_are_checked_without_panicking() {
        assert_eq!(
            Policy::DEFAULT.try_max_attempts(0),
            Err(PolicyError::ZeroAttempts)
        );
        assert_eq!(Policy::DEFAULT.try_factor(0.5), Err(PolicyError::FactorBelowOne));
        assert_eq!(
            Policy::DEFAULT.try_factor(f64::NAN),
            Err(PolicyError::FactorBelowOne)
        );
        assert!(Policy::DEFAULT.try_factor(f64::INFINITY).is_ok());
        assert_eq!(
            PolicyError::ZeroAttempts.to_string(),
            "max_attempts must be at least 1 (the first attempt counts)"
        );
    }

    #[test]
    #[should_panic(expected = "Policy::max_attempts: must be at least 1")]
    fn zero_attempts_panics_with_the_builder_name() {
        let _ = Policy::DEFAULT.max_attempts(0);
    }

    #[test]
    #[should_panic(expected = "Policy::factor: must be a number of at least 1.0")]
    fn shrinking_factor_panics_with_the_builder_name() {
        let _ = Policy::DEFAULT.factor(0.9);
    }
}
