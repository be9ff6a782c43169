//! The longest total sleep a policy allows, computed in bounded time.
//!
//! Walking the schedule retry by retry would take billions of steps for a deadline-only policy
//! (unlimited attempts) or a factor just above 1, so the walk stops once the delay reaches the cap
//! (every later delay is the cap) or after a fixed number of steps, and a closed form sums the
//! rest.

use crate::Policy;
use crate::backoff::{Backoff, Schedule};
use crate::jitter::Jitter;

/// Exact steps before switching to a closed form. Any schedule that doubles (or triples, for
/// decorrelated jitter) reaches the largest `u64` within 64 steps; Fibonacci within 93.
const EXACT_STEPS: u32 = 128;

/// The bound in nanoseconds, before the deadline is applied; saturates at `u128::MAX`.
pub(crate) fn total_nanos(policy: &Policy) -> u128 {
    let mut retries = policy.max_attempts_value().saturating_sub(1);
    let cap = policy.cap_nanos();
    let mut total: u128 = 0;
    let mut schedule = Schedule::new();
    // Decorrelated jitter ignores the schedule: its largest pick is min(cap, 3 × previous).
    let decorrelated = policy.jitter_value() == Jitter::Decorrelated;
    let mut upper = policy.base_nanos();
    let mut steps = 0;
    let mut last = 0;
    while retries > 0 && steps < EXACT_STEPS {
        let delay = if decorrelated {
            upper = upper.saturating_mul(3).min(cap).max(upper);
            upper
        } else {
            schedule.next(policy)
        };
        total = total.saturating_add(delay as u128);
        retries -= 1;
        steps += 1;
        last = delay;
        if delay == cap {
            break;
        }
    }
    if retries == 0 {
        return total;
    }
    total.saturating_add(tail(policy, last, schedule.exact(), retries, cap, decorrelated))
}

/// The sum of the `retries` delays that follow a delay of `last`.
fn tail(policy: &Policy, last: u64, exact: f64, retries: u32, cap: u64, decorrelated: bool) -> u128 {
    let flat = |value: u64| value as u128 * retries as u128;
    if last >= cap || last == 0 || decorrelated {
        // At the cap (or stuck at zero) every later delay repeats `last`.
        return flat(last);
    }
    match policy.backoff_value() {
        Backoff::Constant => flat(last),
        Backoff::Linear => linear_tail(last, policy.base_value().as_nanos(), retries, cap),
        // Fibonacci reaches any cap within EXACT_STEPS, so only a zero base lands here.
        Backoff::Fibonacci => flat(last),
        Backoff::Exponential => geometric_tail(exact, policy.factor_value(), retries, cap),
    }
}

/// Σ min(cap, last + base·i) for i in 1..=retries, exactly, in integers.
fn linear_tail(last: u64, base: u128, retries: u32, cap: u64) -> u128 {
    let (last, cap, retries) = (last as u128, cap as u128, retries as u128);
    if base == 0 {
        return last * retries;
    }
    // Terms strictly below the cap: last + base·i < cap.
    let below = ((cap - last - 1) / base).min(retries);
    let below_sum = last * below + base * below * (below + 1) / 2;
    below_sum.saturating_add((retries - below) * cap)
}

/// Σ min(cap, last·f^i) for i in 1..=retries, with floats: only reached for factors so close to
/// 1 that the exact walk did not reach the cap.
fn geometric_tail(last: f64, factor: f64, retries: u32, cap: u64) -> u128 {
    let (last_f, cap_f, n) = (last, cap as f64, retries as f64);
    if factor <= 1.0 {
        return (last as u128).saturating_mul(retries as u128);
    }
    // Number of terms below the cap: last·f^i < cap  ⇔  i < ln(cap/last)/ln f.
    let below = ((cap_f / last_f).ln() / factor.ln()).ceil() - 1.0;
    let below = below.clamp(0.0, n);
    let below_sum = last_f * factor * (factor.powf(below) - 1.0) / (factor - 1.0);
    let at_cap = (n - below) * cap_f;
    // An upper bound must not fall short through float rounding: round up, and allow a
    // nanosecond per term for the schedule's own truncation.
    let sum = (below_sum + at_cap).ceil() + n;
    if sum.is_finite() && sum < u128::MAX as f64 {
        sum as u128
    } else {
        u128::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// The walk the closed forms replace, for small inputs.
    fn brute(policy: &Policy) -> u128 {
        policy.delays().map(|d| d.as_nanos()).sum()
    }

    #[test]
    fn closed_forms_match_the_walk() {
        let cases = [
            Policy::linear(Duration::from_nanos(1))
                .max_delay(Duration::from_nanos(1000))
                .max_attempts(2000),
            Policy::exponential(Duration::from_nanos(1))
                .factor(1.01)
                .max_delay(Duration::from_nanos(1 << 20))
                .max_attempts(3000),
            Policy::constant(ms(3)).max_attempts(500),
            Policy::fibonacci(ms(1)).max_attempts(300),
        ];
        for p in cases {
            let exact = brute(&p);
            let fast = total_nanos(&p);
            // An upper bound, and a tight one.
            let slack = (fast - exact) as f64 / exact as f64;
            assert!(fast >= exact && slack < 1e-5, "{p:?}: exact {exact}, fast {fast}");
        }
    }

    #[test]
    fn decorrelated_bound_triples_to_the_cap() {
        let p = Policy::constant(ms(100))
            .jitter(Jitter::Decorrelated)
            .max_delay(ms(1000))
            .max_attempts(5);
        // Largest picks: 300, 900, 1000, 1000.
        assert_eq!(p.worst_case(), ms(3200));
    }

    #[test]
    fn unlimited_attempts_finish_quickly_and_saturate() {
        let p = Policy::linear(Duration::from_nanos(1))
            .max_delay(Duration::MAX)
            .max_attempts(u32::MAX);
        assert!(total_nanos(&p) > 0);
        let p = Policy::exponential(Duration::MAX)
            .max_delay(Duration::MAX)
            .max_attempts(u32::MAX);
        assert_eq!(p.worst_case(), Duration::from_nanos(u64::MAX));
        let p = Policy::exponential(ms(1))
            .factor(1.000_000_1)
            .max_attempts(u32::MAX);
        assert!(p.worst_case() > Duration::from_secs(1));
    }
}
