//! The one place the runtime reads the time.
//!
//! With the `tokio` feature this is tokio's clock: exactly `std::time::Instant::now()` in a
//! normal build, and the paused, auto-advancing clock in tests that call `tokio::time::pause`
//! (tokio's `test-util` feature). So deadlines, attempt timeouts and circuit breakers follow
//! simulated time in async tests instead of waiting on the wall clock, or never expiring.

use core::time::Duration;
use std::sync::OnceLock;
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

/// The first reading in the process: the origin of stamps.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(now)
}

/// Where the epoch sits on the stamp scale: about 146 years of nanoseconds, either side. A
/// clock behind the epoch happens in tests: each paused tokio runtime has its own simulated
/// clock, and a later one may start behind an earlier one's.
const STAMP_EPOCH: u64 = 1 << 62;

/// Now, as nanoseconds on a process-wide scale: eight bytes where an `Instant` takes sixteen,
/// for the retry state every retrying future carries. Never 0, which means "not read".
pub(crate) fn stamp() -> u64 {
    stamp_of(now())
}

/// `instant` as a [`stamp`].
pub(crate) fn stamp_of(instant: Instant) -> u64 {
    let (epoch, now) = (epoch(), instant);
    let nanos = |d: Duration| d.as_nanos().min(u128::from(STAMP_EPOCH - 1)) as u64;
    match now.checked_duration_since(epoch) {
        Some(ahead) => STAMP_EPOCH + nanos(ahead),
        None => STAMP_EPOCH - nanos(epoch.saturating_duration_since(now)),
    }
}

/// A stamp of now when `needed`, else 0 without reading the clock.
#[inline]
pub(crate) fn stamp_if(needed: bool) -> u64 {
    if needed { stamp() } else { 0 }
}

/// Time since `start`, a [`stamp`]; zero if `start` is in the future.
pub(crate) fn since_stamp(start: u64) -> Duration {
    Duration::from_nanos(stamp().saturating_sub(start))
}

/// The `Instant` a [`stamp`] stands for.
pub(crate) fn instant_of(stamp: u64) -> Instant {
    let epoch = epoch();
    if stamp >= STAMP_EPOCH {
        epoch + Duration::from_nanos(stamp - STAMP_EPOCH)
    } else {
        epoch
            .checked_sub(Duration::from_nanos(STAMP_EPOCH - stamp))
            .unwrap_or(epoch)
    }
}

/// Time since `start`, zero if `start` is in the future.
#[inline]
pub(crate) fn since(start: Instant) -> Duration {
    now().saturating_duration_since(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_order_subtract_and_convert_back() {
        let before = stamp();
        let instant = now();
        std::thread::sleep(Duration::from_millis(2));
        let after = stamp();
        assert!(before != 0 && after > before);
        assert!(since_stamp(before) >= Duration::from_millis(2));
        assert_eq!(since_stamp(u64::MAX), Duration::ZERO);
        let back = instant_of(before);
        let gap = if back > instant {
            back - instant
        } else {
            instant - back
        };
        assert!(gap < Duration::from_millis(2), "{gap:?}");
        // Below the epoch: an earlier paused clock's readings still convert.
        assert!(instant_of(STAMP_EPOCH - 1_000) <= epoch());
    }
}
