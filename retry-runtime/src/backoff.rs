//! How the un-jittered delay grows from one retry to the next.
//!
//! Delays are kept as `u64` nanoseconds (about 584 years at most): every step saturates, so no
//! attempt number, factor or duration can overflow or panic. A [`Schedule`] is the running state
//! of one call; [`Delays`] is the same arithmetic exposed as an iterator for inspection.

use core::time::Duration;

use crate::Policy;

/// How the delay grows between retries, before jitter and the `max_delay` cap.
///
/// With `base` = b and the retry number n (1 for the delay after the first failure):
///
/// | backoff | delay before retry n | first delays with b = 100ms (factor 2) |
/// | --- | --- | --- |
/// | `Exponential` | b × factor^(n−1) | 100ms, 200ms, 400ms, 800ms |
/// | `Constant` | b | 100ms, 100ms, 100ms, 100ms |
/// | `Linear` | b × n | 100ms, 200ms, 300ms, 400ms |
/// | `Fibonacci` | b × F(n), F = 1, 1, 2, 3, 5, … | 100ms, 100ms, 200ms, 300ms |
///
/// The exponent grows from the base, never raises the base itself: `tokio-retry`'s
/// `from_millis(50)` meant 50ms, 2.5s, 125s, which this type never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Backoff {
    /// `base × factor^(n−1)`: the default.
    #[default]
    Exponential,
    /// `base` every time.
    Constant,
    /// `base × n`.
    Linear,
    /// `base × F(n)` with the Fibonacci numbers 1, 1, 2, 3, 5, 8, …
    Fibonacci,
}

impl Backoff {
    /// The name used by the attribute's `backoff = "…"` key.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Backoff::Exponential => "exponential",
            Backoff::Constant => "constant",
            Backoff::Linear => "linear",
            Backoff::Fibonacci => "fibonacci",
        }
    }
}

/// Saturating conversion: durations beyond `u64::MAX` nanoseconds are treated as that.
#[inline]
pub(crate) const fn to_nanos(d: Duration) -> u64 {
    let n = d.as_nanos();
    if n > u64::MAX as u128 { u64::MAX } else { n as u64 }
}

/// The running state of a schedule, in two words (it lives in every retrying future): the last
/// un-jittered delay, capped, and one more word whose meaning depends on the backoff: the delay
/// before it for Fibonacci, the exact (unrounded) running product for exponential, so that tiny
/// bases still grow (1ns × 1.01 truncated to whole nanoseconds would stay 1ns forever).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    pub(crate) current: u64,
    aux: u64,
}

impl Schedule {
    pub(crate) const fn new() -> Self {
        Schedule { current: 0, aux: 0 }
    }

    /// The un-jittered delay before the next retry, at most `cap` nanoseconds.
    #[inline]
    pub(crate) fn next(&mut self, policy: &Policy) -> u64 {
        let cap = policy.cap_nanos();
        let base = policy.base_nanos();
        let backoff = policy.backoff_value();
        // The usual factor, 2, doubles in integers: exact, and a few instructions against the
        // float product's twenty. Its `aux` stays 0.
        let doubling = backoff == Backoff::Exponential && policy.factor_value() == 2.0;
        if doubling {
            return self.next_doubling(base, cap);
        }
        let (next, aux) = if self.current == 0 {
            let aux = if backoff == Backoff::Exponential {
                (base as f64).to_bits()
            } else {
                0
            };
            (base, aux)
        } else {
            match backoff {
                Backoff::Constant => (base, 0),
                Backoff::Linear => (self.current.saturating_add(base), 0),
                // F(1) = F(2) = 1: the second delay repeats the base.
                Backoff::Fibonacci if self.aux == 0 => (base, self.current),
                Backoff::Fibonacci => (self.current.saturating_add(self.aux), self.current),
                Backoff::Exponential => {
                    let exact = f64::from_bits(self.aux) * policy.factor_value();
                    // Above 2^53 ns a float can't hold every integer; rounding must never make a
                    // delay shrink, since the factor is at least 1.
                    (at_most(exact, cap).max(self.current), exact.to_bits())
                }
            }
        };
        self.aux = aux;
        self.current = next.min(cap);
        self.current
    }

    /// [`next`](Self::next) for an exponential schedule with factor 2 (`base` at most `cap`).
    #[inline(always)]
    pub(crate) fn next_doubling(&mut self, base: u64, cap: u64) -> u64 {
        let next = if self.current == 0 {
            base
        } else {
            self.current.saturating_mul(2)
        };
        self.aux = 0;
        self.current = next.min(cap);
        self.current
    }

    /// The exact (unrounded) last exponential delay in nanoseconds. Below the cap, a doubling
    /// schedule's delay is exact already.
    pub(crate) fn exact(&self) -> f64 {
        if self.aux == 0 {
            self.current as f64
        } else {
            f64::from_bits(self.aux)
        }
    }
}

/// `value` in whole nanoseconds, saturating at `cap`: anything at or past the cap (infinity
/// included) becomes the cap, and NaN (only from 0 × ∞) becomes 0.
#[inline]
fn at_most(value: f64, cap: u64) -> u64 {
    if value >= cap as f64 { cap } else { value as u64 }
}

/// The un-jittered delays of a [`Policy`], one per retry, already capped at `max_delay`.
///
/// Made by [`Policy::delays`]. It yields `max_attempts − 1` items: a policy allowing 5 attempts
/// sleeps at most 4 times. A deadline-only policy (unlimited attempts) yields up to `u32::MAX − 1`
/// delays, lazily.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::Policy;
///
/// let policy = Policy::exponential(Duration::from_millis(100)).max_attempts(5);
/// let delays: Vec<_> = policy.delays().collect();
/// assert_eq!(delays, [100, 200, 400, 800].map(Duration::from_millis));
/// ```
#[derive(Clone, Debug)]
#[must_use = "an iterator does nothing unless consumed"]
pub struct Delays {
    policy: Policy,
    schedule: Schedule,
    remaining: u32,
}

impl Delays {
    pub(crate) fn new(policy: &Policy) -> Self {
        Delays {
            policy: *policy,
            schedule: Schedule::new(),
            remaining: policy.max_attempts_value().saturating_sub(1),
        }
    }
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(Duration::from_nanos(self.schedule.next(&self.policy)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Delays {}
impl core::iter::FusedIterator for Delays {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn first(policy: Policy, n: usize) -> Vec<u64> {
        policy
            .max_attempts(n as u32 + 1)
            .delays()
            .map(|d| d.as_millis() as u64)
            .collect()
    }

    #[test]
    fn each_schedule_matches_its_table() {
        assert_eq!(first(Policy::exponential(ms(100)), 4), [100, 200, 400, 800]);
        assert_eq!(first(Policy::constant(ms(100)), 4), [100, 100, 100, 100]);
        assert_eq!(first(Policy::linear(ms(100)), 4), [100, 200, 300, 400]);
        assert_eq!(
            first(Policy::fibonacci(ms(100)), 7),
            [100, 100, 200, 300, 500, 800, 1300]
        );
        assert_eq!(
            first(Policy::exponential(ms(100)).factor(3.0), 3),
            [100, 300, 900]
        );
    }

    #[test]
    fn every_schedule_stops_at_the_cap() {
        for policy in [
            Policy::exponential(ms(100)),
            Policy::linear(ms(100)),
            Policy::fibonacci(ms(100)),
        ] {
            let delays = first(policy.max_delay(ms(250)), 10);
            assert!(delays.iter().all(|&d| d <= 250), "{delays:?}");
            assert_eq!(*delays.last().unwrap(), 250);
        }
    }

    #[test]
    fn cap_below_base_wins() {
        // Only reachable at run time: the attribute rejects it at compile time.
        let delays = first(Policy::constant(ms(100)).max_delay(ms(10)), 3);
        assert_eq!(delays, [10, 10, 10]);
    }

    #[test]
    fn huge_values_saturate() {
        let policy = Policy::exponential(Duration::MAX)
            .factor(f64::MAX)
            .max_delay(Duration::MAX);
        let delays: Vec<_> = policy.max_attempts(4).delays().collect();
        assert!(delays.iter().all(|d| *d == Duration::from_nanos(u64::MAX)));
    }

    proptest::proptest! {
        /// Factor 2 doubles in integers: every delay is exactly min(cap, base × 2^(n−1)), for
        /// any base and cap, with no rounding at any size; and a factor just off 2 (the float
        /// product) agrees with it to within a part in a billion while below the cap.
        #[test]
        fn doubling_is_exact_and_agrees_with_the_float_product(
            base in 0u64..=u64::MAX,
            cap in 0u64..=u64::MAX,
            shift in 0u32..64,
        ) {
            let base = base >> shift;
            let policy = Policy::exponential(Duration::from_nanos(base))
                .max_delay(Duration::from_nanos(cap))
                .max_attempts(70);
            let expected = (0..69u32).map(|n| {
                let exact = u128::from(base) << n.min(64);
                Duration::from_nanos(exact.min(u128::from(cap)).min(u128::from(u64::MAX)) as u64)
            });
            proptest::prop_assert!(policy.delays().eq(expected));

            let near = policy.factor(2.0 + f64::EPSILON * 4.0);
            for (doubled, product) in policy.delays().zip(near.delays()) {
                let (a, b) = (doubled.as_nanos() as f64, product.as_nanos() as f64);
                proptest::prop_assert!(b >= a && b - a <= a * 1e-9 + 1.0, "{a} vs {b}");
            }
        }
    }
}
