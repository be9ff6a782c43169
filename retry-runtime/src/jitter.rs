//! Randomising delays so that clients that failed together do not retry together.
//!
//! The formulas are those of "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), with
//! v = min(cap, schedule(n)) the capped un-jittered delay. Every function here is pure: the random
//! draw is passed in, so the arithmetic is testable on its own.

/// How a delay is randomised. Whatever the choice, the result never exceeds `max_delay`.
///
/// | jitter | delay before retry n |
/// | --- | --- |
/// | `None` | v |
/// | `Full` (default) | uniform in [0, v] |
/// | `Equal` | v/2 + uniform in [0, v/2] |
/// | `Decorrelated` | uniform in [base, min(cap, 3 × previous delay)] |
///
/// `Decorrelated` ignores the backoff schedule: each delay grows from the previous one. AWS's
/// formula is `min(cap, uniform(base, 3 × previous))`, which, once 3 × previous passes the cap,
/// returns exactly the cap about two times in three, so clients that reach the cap sleep in
/// lock-step again. This crate draws from `[base, min(cap, 3 × previous)]` instead: the same
/// growth, but delays stay spread across the whole range at the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Jitter {
    /// No randomness: the schedule's delay exactly (use it in tests, or where one client retries
    /// alone).
    None,
    /// Uniform in [0, v]: the fewest total calls under contention.
    #[default]
    Full,
    /// Uniform in [v/2, v]: never much shorter than the schedule.
    Equal,
    /// Uniform in [base, min(cap, 3 × previous delay)].
    Decorrelated,
}

impl Jitter {
    /// The name used by the attribute's `jitter = "…"` key.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Jitter::None => "none",
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::Decorrelated => "decorrelated",
        }
    }
}

/// A uniform pick in `[low, high]` (inclusive) from 64 random bits, by multiply-shift: one
/// multiplication, no division, no loop. The bias is below 2⁻⁶⁴ × range, far under a nanosecond.
#[inline]
pub(crate) fn uniform(bits: u64, low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    let span = (high - low) as u128 + 1;
    low + ((bits as u128 * span) >> 64) as u64
}

/// The jittered delay in nanoseconds. `v` is the capped schedule value, `previous` the last delay
/// slept (for `Decorrelated`), `bits` a fresh random word. The result is at most `cap`.
#[inline]
pub(crate) fn apply(jitter: Jitter, v: u64, base: u64, cap: u64, previous: u64, bits: u64) -> u64 {
    match jitter {
        Jitter::None => v,
        Jitter::Full => uniform(bits, 0, v),
        Jitter::Equal => {
            let half = v / 2;
            uniform(bits, v - half, v)
        }
        Jitter::Decorrelated => {
            let low = base.min(cap);
            let high = previous.max(low).saturating_mul(3).min(cap);
            uniform(bits, low, high)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uniform_reaches_both_ends() {
        assert_eq!(uniform(0, 10, 20), 10);
        assert_eq!(uniform(u64::MAX, 10, 20), 20);
        assert_eq!(uniform(u64::MAX, 0, u64::MAX), u64::MAX);
        assert_eq!(uniform(123, 7, 7), 7);
        assert_eq!(uniform(123, 9, 7), 9);
    }

    #[test]
    fn names_round_trip() {
        for j in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
            assert!(!j.name().is_empty());
        }
        assert_eq!(Jitter::default(), Jitter::Full);
    }

    /// Regression for exponential-backoff 2.1.0, which shipped with jitter silently off: assert
    /// the spread, not only the bounds.
    #[test]
    fn full_jitter_spreads_across_the_range() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = apply(Jitter::Full, 1000, 100, 10_000, 0, state);
            buckets[(d.min(999) / 100) as usize] += 1;
        }
        // Each tenth of [0, v] gets roughly a tenth of the picks.
        assert!(buckets.iter().all(|&b| (800..1200).contains(&b)), "{buckets:?}");
    }

    proptest! {
        #[test]
        fn never_exceeds_the_cap(v in any::<u64>(), base in any::<u64>(), cap in any::<u64>(),
                                 prev in any::<u64>(), bits in any::<u64>()) {
            let v = v.min(cap);
            for j in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
                prop_assert!(apply(j, v, base, cap, prev, bits) <= cap);
            }
        }

        #[test]
        fn each_formula_stays_in_its_range(v in any::<u64>(), base in any::<u64>(),
                                           cap in any::<u64>(), prev in any::<u64>(),
                                           bits in any::<u64>()) {
            let v = v.min(cap);
            let full = apply(Jitter::Full, v, base, cap, prev, bits);
            prop_assert!(full <= v);
            let equal = apply(Jitter::Equal, v, base, cap, prev, bits);
            prop_assert!(equal >= v / 2 && equal <= v);
            let dec = apply(Jitter::Decorrelated, v, base, cap, prev, bits);
            prop_assert!(dec >= base.min(cap) && dec <= cap);
            prop_assert_eq!(apply(Jitter::None, v, base, cap, prev, bits), v);
        }
    }
}
