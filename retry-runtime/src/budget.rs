//! [`RetryBudget`]: a token bucket shared by call sites, so retries can't turn an outage into a
//! retry storm.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// Tokens are counted in thousandths, as gRPC's retry throttling does: integer arithmetic, so
/// a fractional ratio never over- or under-allocates through float rounding.
const MILLI: u64 = 1000;

/// A retry budget with gRPC's retry-throttling semantics.
///
/// The bucket starts full, at `max_tokens`. Every failed attempt that its site would retry takes
/// one token; every successful call gives back `token_ratio` tokens (never above `max_tokens`).
/// A retry is allowed only while more than half of `max_tokens` remain; a first attempt always
/// runs. So under a full outage the retries stop after about `max_tokens / 2` failures, and the
/// extra load they add is bounded whatever `max_attempts` says; as successes come back, so do
/// retries.
///
/// Name a `static` budget in every site that calls the same dependency:
///
/// ```
/// use retry_runtime::{retry, RetryBudget};
///
/// static PAYMENTS: RetryBudget = RetryBudget::new(100, 0.1);
///
/// #[retry(max_attempts = 5, base = "1ms", budget = PAYMENTS)]
/// fn charge() -> Result<(), std::io::Error> { Ok(()) }
///
/// #[retry(max_attempts = 3, base = "1ms", budget = PAYMENTS)]
/// fn refund() -> Result<(), std::io::Error> { Ok(()) }
/// # charge().unwrap(); refund().unwrap();
/// ```
///
/// It is lock-free: one atomic word. A success while the bucket is full costs one atomic load and
/// nothing else.
pub struct RetryBudget {
    // Thousandths of a token.
    tokens: AtomicU64,
    max: u64,
    ratio: u64,
}

impl RetryBudget {
    /// A full budget of `max_tokens` tokens, refilled by `token_ratio` tokens per success.
    /// `token_ratio` is kept to three decimal places (like gRPC's), rounded to the nearest.
    ///
    /// # Panics
    ///
    /// When `max_tokens` is 0, or `token_ratio` is not within [0, 1]: a compile error in a
    /// `static` or `const`.
    ///
    /// ```compile_fail
    /// static BAD: retry_runtime::RetryBudget = retry_runtime::RetryBudget::new(10, 1.5);
    /// let _ = &BAD; // error: RetryBudget::new: token_ratio must be within [0, 1]
    /// ```
    #[must_use]
    pub const fn new(max_tokens: u32, token_ratio: f64) -> Self {
        if max_tokens == 0 {
            panic!("RetryBudget::new: max_tokens must be at least 1");
        }
        if token_ratio.is_nan() || token_ratio < 0.0 || token_ratio > 1.0 {
            panic!("RetryBudget::new: token_ratio must be within [0, 1]");
        }
        let max = max_tokens as u64 * MILLI;
        RetryBudget {
            tokens: AtomicU64::new(max),
            max,
            ratio: (token_ratio * MILLI as f64 + 0.5) as u64,
        }
    }

    /// The tokens left, for dashboards and tests.
    #[must_use]
    pub fn tokens(&self) -> f64 {
        self.tokens.load(Ordering::Relaxed) as f64 / MILLI as f64
    }

    /// The capacity.
    #[must_use]
    pub fn max_tokens(&self) -> u32 {
        (self.max / MILLI) as u32
    }

    /// Whether a retry may run now: more than half of the tokens remain.
    #[must_use]
    pub fn allows_retry(&self) -> bool {
        self.tokens.load(Ordering::Relaxed) * 2 > self.max
    }

    /// A failed attempt that its site would retry: takes one token (never below zero).
    pub fn record_failure(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t > 0).then(|| t.saturating_sub(MILLI))
            });
    }

    /// A successful call: gives back `token_ratio` tokens (never above `max_tokens`).
    #[inline]
    pub fn record_success(&self) {
        // The steady state is a full bucket: a load, and no read-modify-write at all.
        if self.ratio == 0 || self.tokens.load(Ordering::Relaxed) >= self.max {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t < self.max).then(|| (t + self.ratio).min(self.max))
            });
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("tokens", &self.tokens())
            .field("max_tokens", &self.max_tokens())
            .field("token_ratio", &(self.ratio as f64 / MILLI as f64))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn retries_stop_at_half_and_come_back_with_successes() {
        let budget = RetryBudget::new(10, 0.5);
        let mut allowed = 0;
        while budget.allows_retry() {
            budget.record_failure();
            allowed += 1;
            assert!(allowed <= 10);
        }
        // 10 → 5: five failures, then no more retries.
        assert_eq!(allowed, 5);
        assert_eq!(budget.tokens(), 5.0);
        budget.record_success();
        assert_eq!(budget.tokens(), 5.5);
        assert!(budget.allows_retry());
    }

    #[test]
    fn fractional_ratios_are_exact() {
        // tower's TpsBudget over-allocated for fractional percentages; thousandths can't drift.
        let budget = RetryBudget::new(100, 0.1);
        for _ in 0..100 {
            budget.record_failure();
        }
        assert_eq!(budget.tokens(), 0.0);
        for _ in 0..10 {
            budget.record_success();
        }
        assert_eq!(budget.tokens(), 1.0);
        let third = RetryBudget::new(10, 0.333);
        for _ in 0..10 {
            third.record_failure();
        }
        for _ in 0..3 {
            third.record_success();
        }
        assert_eq!(third.tokens(), 0.999);
    }

    #[test]
    fn the_bucket_never_overflows_or_underflows() {
        let budget = RetryBudget::new(2, 1.0);
        for _ in 0..5 {
            budget.record_success();
        }
        assert_eq!(budget.tokens(), 2.0);
        for _ in 0..5 {
            budget.record_failure();
        }
        assert_eq!(budget.tokens(), 0.0);
        assert!(!budget.allows_retry());
    }

    #[test]
    #[should_panic(expected = "RetryBudget::new: token_ratio must be within [0, 1]")]
    fn ratio_out_of_range_names_the_builder() {
        let _ = RetryBudget::new(10, -0.1);
    }

    #[test]
    fn eight_threads_keep_tokens_in_range() {
        static BUDGET: RetryBudget = RetryBudget::new(50, 0.3);
        std::thread::scope(|s| {
            for t in 0..8 {
                s.spawn(move || {
                    for i in 0..5_000 {
                        if (i + t) % 3 == 0 {
                            BUDGET.record_success();
                        } else {
                            BUDGET.record_failure();
                        }
                        let tokens = BUDGET.tokens();
                        assert!((0.0..=50.0).contains(&tokens), "{tokens}");
                    }
                });
            }
        });
    }

    proptest! {
        #[test]
        fn tokens_stay_within_bounds(max in 1u32..1000, ratio in 0.0f64..=1.0,
                                     ops in proptest::collection::vec(any::<bool>(), 0..300)) {
            let budget = RetryBudget::new(max, ratio);
            for success in ops {
                if success { budget.record_success() } else { budget.record_failure() }
                prop_assert!(budget.tokens() >= 0.0 && budget.tokens() <= max as f64);
            }
        }
    }
}
