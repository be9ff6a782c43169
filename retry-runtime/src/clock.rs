//! The one place the runtime reads the time.
//!
//! With the `tokio` feature this is tokio's clock: exactly `std::time::Instant::now()` in a
//! normal build, and the paused, auto-advancing clock in tests that call `tokio::time::pause`
//! (tokio's `test-util` feature). So deadlines, attempt timeouts and circuit breakers follow
//! simulated time in async tests instead of waiting on the wall clock, or never expiring.

use core::time::Duration;
use std::time::Instant;

/// Now.
#[inline]
pub(crate) fn now() -> Instant {
    #[cfg(feature = "tokio")]
    {
        tokio::time::Instant::now().into_std()
    }
    #[cfg(not(feature = "tokio"))]
    {
        Instant::now()
    }
}

/// Now, when `needed`: a deadline counts from a call's start, anything else reads no clock.
#[inline]
pub(crate) fn now_if(needed: bool) -> Option<Instant> {
    if needed { Some(now()) } else { None }
}

/// Time since `start`, zero if `start` is in the future.
#[inline]
pub(crate) fn since(start: Instant) -> Duration {
    now().saturating_duration_since(start)
}
