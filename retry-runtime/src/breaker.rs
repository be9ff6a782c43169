//! [`CircuitBreaker`]: stop calling a dependency that is down, and find out when it is back.
//!
//! Lock-free: the state is one atomic word, the sliding window a ring of atomic buckets. The
//! only thing a call holds is a [`Permit`]; dropping it (a cancelled future, a panicking body)
//! gives back whatever it reserved, so the breaker can never wedge open or half-open.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::sync::OnceLock;
use std::time::Instant;

/// Buckets in the sliding window: the window moves in tenths.
const BUCKETS: usize = 10;

/// The breaker's state, as observers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls flow; failures are counted.
    Closed,
    /// Calls fail fast with [`CircuitOpen`](crate::CircuitOpen) until `open_for` has passed.
    Open,
    /// A bounded number of probe calls go through; their success closes the breaker, a failure
    /// opens it again.
    HalfOpen,
}

/// A circuit breaker, shared by every site that names it.
///
/// **Closed**: calls run, and their outcomes are counted over a sliding `window`. Once at least
/// `minimum_calls` were seen in the window and the share of failures reaches `failure_ratio`,
/// it **opens**: calls fail fast with `E::from(CircuitOpen)` without running, for `open_for`.
/// Then it is **half-open**: `half_open_probes` calls go through; when all of them succeed it
/// closes, and any failure opens it again. Only failures the site classifies as retryable count;
/// an error that is not retried (a 404, say) shows the dependency is up and counts as a success.
///
/// Defaults: `failure_ratio(0.5)`, `minimum_calls(20)`, `window(10s)`, `open_for(5s)`,
/// `half_open_probes(1)`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{retry, CircuitBreaker, CircuitOpen};
///
/// static INVENTORY: CircuitBreaker = CircuitBreaker::new()
///     .failure_ratio(0.5)
///     .minimum_calls(10)
///     .window(Duration::from_secs(30))
///     .open_for(Duration::from_secs(10))
///     .half_open_probes(2);
///
/// #[derive(Debug)]
/// enum Error { Unavailable, CircuitOpen }
/// impl From<CircuitOpen> for Error {
///     fn from(_: CircuitOpen) -> Self { Error::CircuitOpen }
/// }
///
/// #[retry(max_attempts = 3, base = "1ms", breaker = INVENTORY)]
/// fn reserve(item: u32) -> Result<u32, Error> { Ok(item) }
/// # reserve(1).unwrap();
/// ```
///
/// A retried call consults the breaker before each attempt: when it opens between two attempts
/// of one call, the call stops retrying and returns its last real error.
pub struct CircuitBreaker {
    failure_ratio: u64,
    minimum_calls: u64,
    window_ms: u64,
    open_for_ms: u64,
    half_open_probes: u64,
    state: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
}

/// A change of state, reported to observers by the call that caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transition {
    Opened,
    HalfOpened,
    Closed,
}

impl CircuitBreaker {
    /// A closed breaker with the defaults: `failure_ratio(0.5)`, `minimum_calls(20)`,
    /// `window(10s)`, `open_for(5s)`, `half_open_probes(1)`.
    #[must_use]
    pub const fn new() -> Self {
        CircuitBreaker {
            failure_ratio: 500,
            minimum_calls: 20,
            window_ms: 10_000,
            open_for_ms: 5_000,
            half_open_probes: 1,
            state: AtomicU64::new(State::CLOSED.0),
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
        }
    }

    /// The share of failed calls in the window that opens the breaker, within [0, 1].
    ///
    /// # Panics
    ///
    /// Outside [0, 1] (a compile error in a `static`).
    #[must_use]
    pub const fn failure_ratio(mut self, ratio: f64) -> Self {
        if ratio.is_nan() || ratio < 0.0 || ratio > 1.0 {
            panic!("CircuitBreaker::failure_ratio: must be within [0, 1]");
        }
        self.failure_ratio = (ratio * 1000.0 + 0.5) as u64;
        self
    }

    /// The calls the window must hold before the ratio is judged.
    #[must_use]
    pub const fn minimum_calls(mut self, calls: u32) -> Self {
        self.minimum_calls = if calls == 0 { 1 } else { calls as u64 };
        self
    }

    /// How far back outcomes count.
    ///
    /// # Panics
    ///
    /// Below one millisecond (a compile error in a `static`).
    #[must_use]
    pub const fn window(mut self, window: Duration) -> Self {
        if window.as_millis() == 0 {
            panic!("CircuitBreaker::window: must be at least 1ms");
        }
        self.window_ms = clamped_millis(window);
        self
    }

    /// How long the breaker stays open before letting probes through.
    #[must_use]
    pub const fn open_for(mut self, open_for: Duration) -> Self {
        self.open_for_ms = clamped_millis(open_for);
        self
    }

    /// How many calls a half-open breaker lets through; all must succeed to close it.
    ///
    /// # Panics
    ///
    /// Outside 1..=1000 (a compile error in a `static`).
    #[must_use]
    pub const fn half_open_probes(mut self, probes: u32) -> Self {
        if probes == 0 || probes > 1000 {
            panic!("CircuitBreaker::half_open_probes: must be within 1..=1000");
        }
        self.half_open_probes = probes as u64;
        self
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> BreakerState {
        let state = State(self.state.load(Ordering::Acquire));
        match state.mode() {
            MODE_CLOSED => BreakerState::Closed,
            MODE_OPEN if now_ms().saturating_sub(state.since()) >= self.open_for_ms => BreakerState::HalfOpen,
            MODE_OPEN => BreakerState::Open,
            _ => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call. `None` while open (or half-open with every probe taken).
    pub(crate) fn acquire(&self) -> (Option<Permit<'_>>, Option<Transition>) {
        let mut current = State(self.state.load(Ordering::Acquire));
        loop {
            let (next, transition) = match current.mode() {
                // The common case: no write at all.
                MODE_CLOSED => return (Some(Permit::closed(self)), None),
                MODE_OPEN => {
                    let now = now_ms();
                    if now.saturating_sub(current.since()) < self.open_for_ms {
                        return (None, None);
                    }
                    (State::half_open(now, 1, 0), Some(Transition::HalfOpened))
                }
                _ => {
                    if current.in_flight() + current.successes() >= self.half_open_probes {
                        return (None, None);
                    }
                    (current.with_in_flight(current.in_flight() + 1), None)
                }
            };
            match self
                .state
                .compare_exchange_weak(current.0, next.0, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return (Some(Permit::probe(self, next.since())), transition),
                Err(actual) => current = State(actual),
            }
        }
    }

    /// A closed-state call ended; a failure may open the breaker.
    fn record_closed(&self, failed: bool) -> Option<Transition> {
        let now = now_ms();
        let width = (self.window_ms / BUCKETS as u64).max(1);
        let tick = now / width;
        let slot = &self.buckets[(tick % BUCKETS as u64) as usize];
        let _ = slot.fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
            let bucket = Bucket(word);
            let base = if bucket.tick() == Bucket::tag(tick) {
                bucket
            } else {
                Bucket::empty(tick)
            };
            Some(base.add(failed).0)
        });
        if !failed {
            return None;
        }
        let (calls, failures) = self.window_totals(tick);
        if calls < self.minimum_calls || failures * 1000 < self.failure_ratio * calls {
            return None;
        }
        let closed = State::CLOSED.0;
        self.state
            .compare_exchange(closed, State::open(now).0, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Transition::Opened)
    }

    /// Calls and failures in the buckets of the current window.
    fn window_totals(&self, tick: u64) -> (u64, u64) {
        let oldest = tick.saturating_sub(BUCKETS as u64 - 1);
        self.buckets.iter().fold((0, 0), |(calls, failures), slot| {
            let bucket = Bucket(slot.load(Ordering::Acquire));
            let fresh = (oldest..=tick).any(|t| Bucket::tag(t) == bucket.tick()) && bucket.calls() > 0;
            if fresh {
                (calls + bucket.calls(), failures + bucket.failures())
            } else {
                (calls, failures)
            }
        })
    }

    /// A probe of the half-open round that began at `round` ended, or was abandoned.
    fn record_probe(&self, round: u64, outcome: Option<bool>) -> Option<Transition> {
        let mut current = State(self.state.load(Ordering::Acquire));
        loop {
            // A probe from an earlier round has nothing left to say.
            if current.mode() != MODE_HALF_OPEN || current.since() != round {
                return None;
            }
            let in_flight = current.in_flight().saturating_sub(1);
            let (next, transition) = match outcome {
                None => (current.with_in_flight(in_flight), None),
                Some(true) if current.successes() + 1 >= self.half_open_probes => {
                    (State::CLOSED, Some(Transition::Closed))
                }
                Some(true) => (State::half_open(round, in_flight, current.successes() + 1), None),
                Some(false) => (State::open(now_ms()), Some(Transition::Opened)),
            };
            match self
                .state
                .compare_exchange_weak(current.0, next.0, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if transition == Some(Transition::Closed) {
                        // A fresh start: failures from before the outage must not reopen it.
                        for slot in &self.buckets {
                            slot.store(0, Ordering::Release);
                        }
                    }
                    return transition;
                }
                Err(actual) => current = State(actual),
            }
        }
    }
}

/// Whole milliseconds, at most about 49 days: plenty for a window or an open period, and far
/// inside the 42 bits the state word gives time.
const fn clamped_millis(d: Duration) -> u64 {
    let ms = d.as_millis();
    if ms > u32::MAX as u128 {
        u32::MAX as u64
    } else {
        ms as u64
    }
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        CircuitBreaker::new()
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("failure_ratio", &(self.failure_ratio as f64 / 1000.0))
            .field("minimum_calls", &self.minimum_calls)
            .field("window", &Duration::from_millis(self.window_ms))
            .field("open_for", &Duration::from_millis(self.open_for_ms))
            .field("half_open_probes", &self.half_open_probes)
            .finish()
    }
}

/// Leave to make one call. Dropped without an outcome (a cancelled future, a panic), it gives
/// its probe slot back.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    // The half-open round this probe belongs to; `None` for a call made while closed.
    round: Option<u64>,
    done: bool,
}

impl<'a> Permit<'a> {
    fn closed(breaker: &'a CircuitBreaker) -> Self {
        Permit {
            breaker,
            round: None,
            done: false,
        }
    }

    fn probe(breaker: &'a CircuitBreaker, round: u64) -> Self {
        Permit {
            breaker,
            round: Some(round),
            done: false,
        }
    }

    /// Reports the call's outcome: `failed` only for failures the site would retry.
    pub(crate) fn record(&mut self, failed: bool) -> Option<Transition> {
        if self.done {
            return None;
        }
        self.done = true;
        match self.round {
            None => self.breaker.record_closed(failed),
            Some(round) => self.breaker.record_probe(round, Some(!failed)),
        }
    }

    /// A permit for the next attempt of the same call, or `None` when the breaker refuses.
    pub(crate) fn renew(&mut self) -> (bool, Option<Transition>) {
        let (next, transition) = self.breaker.acquire();
        match next {
            Some(next) => {
                // The old permit has already recorded its outcome; dropping it does nothing.
                *self = next;
                (true, transition)
            }
            None => (false, transition),
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let (false, Some(round)) = (self.done, self.round) {
            self.breaker.record_probe(round, None);
        }
    }
}

const MODE_CLOSED: u64 = 0;
const MODE_OPEN: u64 = 1;
const MODE_HALF_OPEN: u64 = 2;

/// The state word: mode (2 bits) | probes in flight (10) | probe successes (10) | since (42:
/// milliseconds since the process's first breaker call, 139 years).
#[derive(Clone, Copy)]
struct State(u64);

impl State {
    const CLOSED: State = State(MODE_CLOSED);

    fn open(now: u64) -> Self {
        State(MODE_OPEN | (now & SINCE_MASK) << 22)
    }

    fn half_open(since: u64, in_flight: u64, successes: u64) -> Self {
        State(
            MODE_HALF_OPEN
                | (in_flight & 0x3ff) << 2
                | (successes & 0x3ff) << 12
                | (since & SINCE_MASK) << 22,
        )
    }

    fn mode(self) -> u64 {
        self.0 & 3
    }

    fn in_flight(self) -> u64 {
        self.0 >> 2 & 0x3ff
    }

    fn successes(self) -> u64 {
        self.0 >> 12 & 0x3ff
    }

    fn since(self) -> u64 {
        self.0 >> 22
    }

    fn with_in_flight(self, in_flight: u64) -> Self {
        State::half_open(self.since(), in_flight, self.successes())
    }
}

const SINCE_MASK: u64 = (1 << 42) - 1;

/// A window bucket: tick tag (22 bits) | calls (21) | failures (21); counts saturate.
#[derive(Clone, Copy)]
struct Bucket(u64);

const COUNT_MAX: u64 = (1 << 21) - 1;

impl Bucket {
    fn tag(tick: u64) -> u64 {
        tick & 0x3f_ffff
    }

    fn empty(tick: u64) -> Self {
        Bucket(Bucket::tag(tick) << 42)
    }

    fn tick(self) -> u64 {
        self.0 >> 42
    }

    fn calls(self) -> u64 {
        self.0 >> 21 & COUNT_MAX
    }

    fn failures(self) -> u64 {
        self.0 & COUNT_MAX
    }

    fn add(self, failed: bool) -> Self {
        let calls = (self.calls() + 1).min(COUNT_MAX);
        let failures = (self.failures() + u64::from(failed)).min(calls);
        Bucket(self.tick() << 42 | calls << 21 | failures)
    }
}

/// Milliseconds on a process-wide scale, for ordering and subtracting breaker times.
///
/// Breakers are `static`s built at compile time, so they can't hold an `Instant` of their own;
/// times are kept relative to the first reading in the process, with a bias so that a clock
/// behind that reading still orders correctly. That happens in tests: each paused tokio runtime
/// has its own simulated clock, and a later one may start behind an earlier one's.
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    // About 34 years either side of the first reading.
    const BIAS: u64 = 1 << 40;
    let epoch = *EPOCH.get_or_init(crate::clock::now);
    let now = crate::clock::now();
    let ms = |d: Duration| d.as_millis().min(BIAS as u128 - 1) as u64;
    match now.checked_duration_since(epoch) {
        Some(ahead) => BIAS + ms(ahead),
        None => BIAS - ms(epoch.saturating_duration_since(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new()
            .failure_ratio(0.5)
            .minimum_calls(4)
            .window(Duration::from_secs(60))
            .open_for(Duration::from_millis(30))
            .half_open_probes(2)
    }

    fn call(b: &CircuitBreaker, failed: bool) -> Option<Option<Transition>> {
        let (permit, _) = b.acquire();
        Some(permit?.record(failed))
    }

    #[test]
    fn opens_at_the_ratio_once_enough_calls_are_seen() {
        let b = breaker();
        assert_eq!(call(&b, true), Some(None)); // 1 call: below minimum_calls
        assert_eq!(call(&b, false), Some(None));
        assert_eq!(call(&b, false), Some(None));
        assert_eq!(call(&b, true), Some(Some(Transition::Opened))); // 2 of 4 failed
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(call(&b, false), None, "fails fast while open");
    }

    #[test]
    fn half_open_probes_close_it_or_reopen_it() {
        let b = breaker();
        for _ in 0..4 {
            call(&b, true);
        }
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(40));
        let (first, transition) = b.acquire();
        assert_eq!(transition, Some(Transition::HalfOpened));
        let (second, _) = b.acquire();
        assert!(b.acquire().0.is_none(), "only two probes");
        assert_eq!(first.unwrap().record(false), None);
        assert_eq!(second.unwrap().record(false), Some(Transition::Closed));
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(call(&b, true), Some(None), "the window starts afresh");

        for _ in 0..4 {
            call(&b, true);
        }
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            call(&b, true),
            Some(Some(Transition::Opened)),
            "a failed probe reopens"
        );
    }

    #[test]
    fn an_abandoned_probe_gives_its_slot_back() {
        let b = breaker().half_open_probes(1);
        for _ in 0..4 {
            call(&b, true);
        }
        std::thread::sleep(Duration::from_millis(40));
        let (probe, _) = b.acquire();
        assert!(b.acquire().0.is_none());
        drop(probe); // a cancelled future or a panic
        assert!(b.acquire().0.is_some(), "the slot came back");
    }

    #[test]
    fn a_panicking_probe_does_not_wedge_the_breaker() {
        static B: CircuitBreaker = CircuitBreaker::new()
            .minimum_calls(1)
            .failure_ratio(1.0)
            .open_for(Duration::from_millis(10));
        call(&B, true);
        std::thread::sleep(Duration::from_millis(20));
        let result = std::panic::catch_unwind(|| {
            let (_probe, _) = B.acquire();
            panic!("body panicked");
        });
        assert!(result.is_err());
        assert!(B.acquire().0.is_some());
    }

    #[test]
    fn eight_threads_never_exceed_the_probe_limit() {
        static B: CircuitBreaker = CircuitBreaker::new()
            .minimum_calls(1)
            .failure_ratio(1.0)
            .open_for(Duration::from_millis(1))
            .half_open_probes(3);
        static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..8u64 {
                s.spawn(move || {
                    for i in 0..2_000u64 {
                        let (permit, _) = B.acquire();
                        let Some(mut permit) = permit else { continue };
                        if permit.round.is_some() {
                            let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
                            assert!(now <= 3, "{now} probes in flight");
                            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
                        }
                        permit.record((i + t) % 4 == 0);
                        let state = State(B.state.load(Ordering::Acquire));
                        assert!(state.in_flight() <= 3);
                    }
                });
            }
        });
    }

    #[test]
    #[should_panic(expected = "CircuitBreaker::failure_ratio: must be within [0, 1]")]
    fn ratio_out_of_range_names_the_builder() {
        let _ = CircuitBreaker::new().failure_ratio(1.5);
    }

    #[test]
    #[should_panic(expected = "CircuitBreaker::window: must be at least 1ms")]
    fn zero_window_names_the_builder() {
        let _ = CircuitBreaker::new().window(Duration::ZERO);
    }
}
