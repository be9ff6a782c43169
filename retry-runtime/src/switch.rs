//! The kill switch: turn every retry in the process off (one attempt per call) without a deploy,
//! during a migration or an incident.

use core::sync::atomic::{AtomicU8, Ordering};

const UNREAD: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNREAD);

/// Turns retries on or off for the whole process. Off, every retried function runs a single
/// attempt and returns its outcome; a failure is a give-up with reason
/// [`Disabled`](crate::GiveUpReason::Disabled). It overrides the environment variable
/// `RETRY_DISABLED`.
///
/// ```
/// use retry_runtime::{retry, set_enabled};
///
/// #[retry(max_attempts = 5, base = "1ms")]
/// fn fetch(calls: &mut u32) -> Result<(), String> { *calls += 1; Err("down".into()) }
///
/// set_enabled(false);
/// let mut calls = 0;
/// let _ = fetch(&mut calls);
/// assert_eq!(calls, 1);
/// set_enabled(true);
/// ```
pub fn set_enabled(enabled: bool) {
    STATE.store(if enabled { ON } else { OFF }, Ordering::Relaxed);
}

/// Whether retries are on: [`set_enabled`]'s last word, else off when the environment variable
/// `RETRY_DISABLED` was `1` or `true` when first read, else on. Read only on the failure path.
#[must_use]
#[inline]
pub fn is_enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => read_environment(),
    }
}

/// The first read: the environment decides, unless `set_enabled` got there first.
#[cold]
#[inline(never)]
fn read_environment() -> bool {
    let disabled = std::env::var("RETRY_DISABLED")
        .is_ok_and(|v| matches!(v.trim(), "1") || v.trim().eq_ignore_ascii_case("true"));
    let state = if disabled { OFF } else { ON };
    let _ = STATE.compare_exchange(UNREAD, state, Ordering::Relaxed, Ordering::Relaxed);
    STATE.load(Ordering::Relaxed) == ON
}
