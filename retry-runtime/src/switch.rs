//! The kill switch: turn every retry in the process off (one attempt per call) without a deploy,
//! during a migration or an incident.

use crate::detours::{self, SWITCH_OFF, SWITCH_UNREAD};

/// The switch's bits of the process-wide word: neither set means on.
const SWITCH: u8 = SWITCH_UNREAD | SWITCH_OFF;

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
    detours::update(SWITCH, if enabled { 0 } else { SWITCH_OFF }, |_| true);
}

/// Whether retries are on: [`set_enabled`]'s last word, else off when the environment variable
/// `RETRY_DISABLED` was `1` or `true` when first read, else on. Read only on the failure path.
#[must_use]
#[inline]
pub fn is_enabled() -> bool {
    let word = detours::load();
    if word & SWITCH_OFF != 0 {
        false
    } else if word & SWITCH_UNREAD != 0 {
        read_environment()
    } else {
        true
    }
}

/// The first read: the environment decides, unless `set_enabled` got there first.
#[cold]
#[inline(never)]
fn read_environment() -> bool {
    let disabled = std::env::var("RETRY_DISABLED")
        .is_ok_and(|v| matches!(v.trim(), "1") || v.trim().eq_ignore_ascii_case("true"));
    let still_unread = |word: u8| word & SWITCH == SWITCH_UNREAD;
    let word = detours::update(SWITCH, if disabled { SWITCH_OFF } else { 0 }, still_unread);
    word & SWITCH == 0
}
