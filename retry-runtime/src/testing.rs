//! Helpers for testing code that retries: record events, skip real sleeps, fix the jitter.
//!
//! ```
//! use retry_runtime::{retry, testing, EventKind};
//!
//! static EVENTS: testing::Recorder = testing::Recorder::new();
//!
//! #[retry(max_attempts = 3, base = "1s", jitter = "none", observer = EVENTS)]
//! fn always_fails() -> Result<(), String> {
//!     Err("down".into())
//! }
//!
//! let sleeps = testing::instant_sleep();
//! assert!(always_fails().is_err());
//! // Two real seconds would have passed; the guard recorded them instead.
//! assert_eq!(sleeps.delays(), [std::time::Duration::from_secs(1), std::time::Duration::from_secs(2)]);
//! let kinds: Vec<_> = EVENTS.events().iter().map(|e| e.kind()).collect();
//! assert_eq!(kinds, [EventKind::Retry, EventKind::Retry, EventKind::GiveUp]);
//! ```

use core::cell::RefCell;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::sync::Mutex;

use crate::{ErrorView, Event, Observer};

/// An [`Observer`] that keeps every event, for assertions. `new` is `const`, so it can be a
/// `static` named by a site's `observer` key or installed with
/// [`set_observer`](crate::set_observer).
#[derive(Debug, Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    /// An empty recorder.
    #[must_use]
    pub const fn new() -> Self {
        Recorder {
            events: Mutex::new(Vec::new()),
        }
    }

    /// The events so far, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        match self.events.lock() {
            Ok(events) => events.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Forgets the events so far.
    pub fn clear(&self) {
        match self.events.lock() {
            Ok(mut events) => events.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }
}

impl Observer for Recorder {
    fn on_event(&self, event: &Event, _error: Option<ErrorView<'_>>) {
        match self.events.lock() {
            Ok(mut events) => events.push(event.clone()),
            Err(poisoned) => poisoned.into_inner().push(event.clone()),
        }
    }
}

/// Live [`instant_sleep`] guards in the whole process: while there are none, which is always
/// outside tests, a sleep costs one load here instead of a thread-local lookup.
static LIVE_GUARDS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Delays slept under at least one live guard; `None` when no guard is live.
    static INSTANT: RefCell<Option<(usize, Vec<Duration>)>> = const { RefCell::new(None) };
}

/// Makes this thread's retry sleeps instant while it lives, and records their delays.
///
/// It covers blocking sleeps on this thread and async sleeps started on this thread (with a
/// `current_thread` tokio runtime, every sleep of the test). Guards nest: each sees the delays
/// slept since it was created. For async tests, `tokio::time::pause` is the other choice: time
/// moves on exactly as slept.
#[must_use = "sleeps are instant only while the guard lives"]
pub fn instant_sleep() -> InstantSleep {
    let start = INSTANT.with_borrow_mut(|state| {
        let (guards, delays) = state.get_or_insert_with(|| (0, Vec::new()));
        *guards += 1;
        delays.len()
    });
    LIVE_GUARDS.fetch_add(1, Ordering::Relaxed);
    InstantSleep {
        start,
        _not_send: PhantomData,
    }
}

/// The guard of [`instant_sleep`].
#[derive(Debug)]
pub struct InstantSleep {
    start: usize,
    // Thread-bound: the sleeps it affects are this thread's.
    _not_send: PhantomData<*const ()>,
}

impl InstantSleep {
    /// The delays slept (instantly) on this thread since this guard was created.
    #[must_use]
    pub fn delays(&self) -> Vec<Duration> {
        INSTANT.with_borrow(|state| match state {
            Some((_, delays)) => delays.get(self.start..).unwrap_or_default().to_vec(),
            None => Vec::new(),
        })
    }
}

impl Drop for InstantSleep {
    fn drop(&mut self) {
        LIVE_GUARDS.fetch_sub(1, Ordering::Relaxed);
        let _ = INSTANT.try_with(|state| {
            let mut state = state.borrow_mut();
            if let Some((guards, _)) = state.as_mut() {
                *guards -= 1;
                if *guards == 0 {
                    *state = None;
                }
            }
        });
    }
}

/// Records `delay` and returns true when an [`instant_sleep`] guard is live on this thread.
#[inline]
pub(crate) fn intercept(delay: Duration) -> bool {
    // A guard made on this thread is counted before this thread's next sleep reads the count.
    if LIVE_GUARDS.load(Ordering::Relaxed) == 0 {
        return false;
    }
    intercept_slow(delay)
}

#[cold]
#[inline(never)]
fn intercept_slow(delay: Duration) -> bool {
    INSTANT
        .try_with(|state| match state.borrow_mut().as_mut() {
            Some((_, delays)) => {
                delays.push(delay);
                true
            }
            None => false,
        })
        .unwrap_or(false)
}

/// Seeds this thread's jitter (and idempotency keys) while it lives, for reproducible runs; the
/// previous generator comes back when it drops.
///
/// ```
/// use retry_runtime::{call, testing, Policy};
///
/// fn jittered_delays() -> Vec<std::time::Duration> {
///     let sleeps = testing::instant_sleep();
///     let _ = call(&Policy::DEFAULT.max_attempts(5), |_| Err::<(), _>("down"));
///     sleeps.delays()
/// }
/// let first = { let _seed = testing::seed(42); jittered_delays() };
/// let again = { let _seed = testing::seed(42); jittered_delays() };
/// assert_eq!(first, again);
/// ```
#[must_use = "the seed applies only while the guard lives"]
pub fn seed(seed: u64) -> Seed {
    Seed {
        previous: crate::random::replace_with_seed(seed),
        _not_send: PhantomData,
    }
}

/// The guard of [`seed`].
#[derive(Debug)]
pub struct Seed {
    previous: crate::random::Saved,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Seed {
    fn drop(&mut self) {
        crate::random::restore(self.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_nest_and_see_their_own_delays() {
        assert!(!intercept(Duration::from_secs(1)));
        let outer = instant_sleep();
        assert!(intercept(Duration::from_millis(1)));
        {
            let inner = instant_sleep();
            assert!(intercept(Duration::from_millis(2)));
            assert_eq!(inner.delays(), [Duration::from_millis(2)]);
        }
        assert_eq!(outer.delays(), [1, 2].map(Duration::from_millis));
        drop(outer);
        assert!(!intercept(Duration::from_secs(1)));
    }
}
