//! [`Attempt`]: what the body of a retried call knows about the attempt it is running.

use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::sync::OnceLock;
use std::time::Instant;

/// The attempt in progress, as the body sees it: bound by the attribute's `context = name` key,
/// and passed to the closure of [`call`](crate::call).
///
/// It is `Sync`, so holding `&Attempt` across an `.await` keeps the future `Send`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{retry, Attempt};
///
/// #[retry(max_attempts = 3, base = "1ms", context = attempt)]
/// fn submit(order: &str) -> Result<String, std::io::Error> {
///     // The same key on every attempt of this call: the server applies the order once.
///     let key = attempt.idempotency_key();
///     if attempt.number() < 2 {
///         attempt.retry_after(Duration::ZERO); // the server said "now"
///         return Err(std::io::ErrorKind::TimedOut.into());
///     }
///     Ok(format!("{order} accepted with key {key} on attempt {}", attempt.number()))
/// }
/// assert!(submit("book").unwrap().ends_with("on attempt 2"));
/// ```
pub struct Attempt {
    number: u32,
    max_attempts: u32,
    start: Instant,
    deadline: Option<Duration>,
    key: OnceLock<IdempotencyKey>,
    stop: AtomicBool,
    // Nanoseconds of the body's hint; u64::MAX means "none".
    hint: AtomicU64,
}

const NO_HINT: u64 = u64::MAX;

impl Attempt {
    /// When the call started.
    pub(crate) fn started(&self) -> Instant {
        self.start
    }

    pub(crate) fn new(max_attempts: u32, start: Instant, deadline: Option<Duration>) -> Self {
        Attempt {
            number: 1,
            max_attempts,
            start,
            deadline,
            key: OnceLock::new(),
            stop: AtomicBool::new(false),
            hint: AtomicU64::new(NO_HINT),
        }
    }

    /// Moves on to attempt `number`, clearing the previous attempt's `stop` and hint.
    pub(crate) fn begin(&mut self, number: u32) {
        self.number = number;
        *self.stop.get_mut() = false;
        *self.hint.get_mut() = NO_HINT;
    }

    /// The body's verdict after the attempt: whether it called `stop`, and its delay hint.
    pub(crate) fn take_verdict(&self) -> (bool, Option<Duration>) {
        let hint = self.hint.load(Ordering::Relaxed);
        let hint = (hint != NO_HINT).then(|| Duration::from_nanos(hint));
        (self.stop.load(Ordering::Relaxed), hint)
    }

    /// This attempt's number, 1-based.
    #[must_use]
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The attempts allowed in all (`u32::MAX` when only a deadline limits them).
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether this is a retry (not the first attempt).
    #[must_use]
    pub fn is_retry(&self) -> bool {
        self.number > 1
    }

    /// Whether this is the last attempt the policy allows.
    #[must_use]
    pub fn is_last(&self) -> bool {
        self.number >= self.max_attempts
    }

    /// Time since the first attempt of this call started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        crate::clock::since(self.start)
    }

    /// Time left before the deadline, if the policy has one (zero once it has passed). Pass it
    /// on as a timeout to the calls the body makes.
    #[must_use]
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_sub(self.elapsed()))
    }

    /// A key that is the same for every attempt of this call and different for every call
    /// (128 random bits). Send it with a write (an `Idempotency-Key` header, a unique column) so
    /// that a write retried after a lost response is applied once.
    pub fn idempotency_key(&self) -> &IdempotencyKey {
        self.key.get_or_init(IdempotencyKey::random)
    }

    /// Makes this attempt's outcome final, whatever classification would say: a failure is
    /// returned at once (a give-up with reason `NotRetryable`), a value rejected by `until` is
    /// returned as it is.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Asks for this delay before the next attempt instead of the computed one (for example the
    /// wait a not-ready response asked for). It is used as given, without jitter, and still
    /// capped by `max_delay` and the deadline.
    pub fn retry_after(&self, delay: Duration) {
        let nanos = crate::backoff::to_nanos(delay).min(NO_HINT - 1);
        self.hint.store(nanos, Ordering::Relaxed);
    }
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("number", &self.number)
            .field("max_attempts", &self.max_attempts)
            .field("elapsed", &self.elapsed())
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

/// 128 random bits, shown as 32 lowercase hexadecimal characters. Stored as text, so
/// [`as_str`](IdempotencyKey::as_str) lends it without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    hex: [u8; 32],
}

impl IdempotencyKey {
    fn random() -> Self {
        let bits = (crate::random::next_u64() as u128) << 64 | crate::random::next_u64() as u128;
        Self::from_u128(bits)
    }

    /// The key for these bits.
    #[must_use]
    pub fn from_u128(bits: u128) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (i, byte) in hex.iter_mut().enumerate() {
            let shift = 124 - 4 * i;
            *byte = DIGITS[((bits >> shift) & 0xf) as usize];
        }
        IdempotencyKey { hex }
    }

    /// The key as text: 32 lowercase hexadecimal characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        core::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// The key's 128 bits.
    #[must_use]
    pub fn as_u128(&self) -> u128 {
        u128::from_str_radix(self.as_str(), 16).unwrap_or_default()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt() -> Attempt {
        Attempt::new(3, Instant::now(), Some(Duration::from_secs(60)))
    }

    #[test]
    fn keys_are_hex_and_round_trip() {
        let key = IdempotencyKey::from_u128(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(key.as_str(), "0123456789abcdef0011223344556677");
        assert_eq!(key.as_u128(), 0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(key.to_string().len(), 32);
    }

    #[test]
    fn a_key_is_stable_within_a_call_and_fresh_across_calls() {
        let mut a = attempt();
        let first = *a.idempotency_key();
        a.begin(2);
        assert_eq!(*a.idempotency_key(), first);
        assert_ne!(*attempt().idempotency_key(), first);
    }

    #[test]
    fn stop_and_hints_last_one_attempt() {
        let mut a = attempt();
        assert!(!a.is_retry());
        a.stop();
        a.retry_after(Duration::from_millis(5));
        assert_eq!(a.take_verdict(), (true, Some(Duration::from_millis(5))));
        a.begin(2);
        assert!(a.is_retry());
        assert_eq!(a.take_verdict(), (false, None));
        assert!(a.remaining().unwrap() <= Duration::from_secs(60));
    }

    #[test]
    fn attempt_is_sync() {
        fn assert_sync<T: Sync + Send>() {}
        assert_sync::<Attempt>();
    }
}
