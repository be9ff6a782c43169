//! The process-wide settings that send a failure off the lean path, in one word, so that a
//! failure reads one atomic to know it may take it: the kill switch not known to be on (not yet
//! read from the environment, or off), and a global observer installed.
//!
//! The word is the kill switch's only state; the observer's bit follows `set_observer`, whose
//! `OnceLock` stays the place the observer is read from.

use core::sync::atomic::{AtomicU8, Ordering};

/// The kill switch has not read `RETRY_DISABLED` yet, and `set_enabled` has not been called.
pub(crate) const SWITCH_UNREAD: u8 = 1;
/// The kill switch is off. Wins over [`SWITCH_UNREAD`].
pub(crate) const SWITCH_OFF: u8 = 2;
/// A global observer is installed. Only ever set.
pub(crate) const GLOBAL_OBSERVER: u8 = 4;

static WORD: AtomicU8 = AtomicU8::new(SWITCH_UNREAD);

/// Whether nothing process-wide asks a failure to take the long way: retries are on and no
/// global observer listens. One relaxed load: a change made on another thread is seen by the
/// next failures, as with the settings this word stands for.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn none() -> bool {
    WORD.load(Ordering::Relaxed) == 0
}

/// The word as it stands.
#[inline(always)]
pub(crate) fn load() -> u8 {
    WORD.load(Ordering::Relaxed)
}

/// Changes the word's bits in `mask` to `bits` in one atomic step, so that concurrent changes to
/// other bits are never lost, unless `only_if`, shown the current word, refuses. Returns the
/// word after the call.
pub(crate) fn update(mask: u8, bits: u8, only_if: impl Fn(u8) -> bool) -> u8 {
    update_in(&WORD, mask, bits, only_if)
}

fn update_in(word: &AtomicU8, mask: u8, bits: u8, only_if: impl Fn(u8) -> bool) -> u8 {
    let change = |current: u8| only_if(current).then_some((current & !mask) | (bits & mask));
    match word.fetch_update(Ordering::Relaxed, Ordering::Relaxed, change) {
        Ok(before) => (before & !mask) | (bits & mask),
        Err(now) => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // On a word of their own: the process's word is shared with every other test.
    #[test]
    fn update_changes_only_the_masked_bits_unless_refused() {
        let word = AtomicU8::new(SWITCH_UNREAD | GLOBAL_OBSERVER);
        let switch = SWITCH_UNREAD | SWITCH_OFF;
        assert_eq!(
            update_in(&word, switch, SWITCH_OFF, |_| true),
            SWITCH_OFF | GLOBAL_OBSERVER
        );
        assert_eq!(
            update_in(&word, switch, 0, |w| w & SWITCH_UNREAD != 0),
            SWITCH_OFF | GLOBAL_OBSERVER
        );
        assert_eq!(update_in(&word, switch, 0, |_| true), GLOBAL_OBSERVER);
        assert_eq!(word.load(Ordering::Relaxed), GLOBAL_OBSERVER);
    }
}
