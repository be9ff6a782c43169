//! This thread's random words for jitter and idempotency keys.
//!
//! One `u64` of state per thread, stepped by wyrand (Wang Yi's generator: an add and a
//! 64×64→128-bit multiply per draw, passing PractRand and BigCrush), seeded from the operating
//! system on the thread's first draw. Jitter needs spread, not secrecy, and a draw sits on every
//! retry, so it is kept to a handful of instructions. Nothing is drawn on the success path.
//! `testing::seed` swaps in a seeded state for reproducible runs.

use std::cell::Cell;

use rand::TryRng;

/// The state that means "not seeded yet". A seed that lands on it is moved off it.
const UNSEEDED: u64 = 0;

thread_local! {
    // `const`, with no destructor: no lazy-initialisation check, no registration, no borrow flag.
    static STATE: Cell<u64> = const { Cell::new(UNSEEDED) };
}

/// wyrand's step: advances `state` and returns its output.
#[inline(always)]
fn step(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0xa076_1d64_78bd_642f);
    let product = u128::from(*state) * u128::from(*state ^ 0xe703_7ed1_a0b4_28db);
    ((product >> 64) as u64) ^ (product as u64)
}

/// A seed from the operating system. Not `rand::make_rng`: with rand's `thread_rng` feature
/// (which any crate in the build can turn on) it seeds through `rand::rng()`, which allocates;
/// and it panics if the OS refuses, where a clock-seeded generator is good enough for jitter.
#[cold]
#[inline(never)]
fn from_os() -> u64 {
    let seed = rand::rngs::SysRng.try_next_u64().unwrap_or_else(|_| fallback());
    if seed == UNSEEDED { 1 } else { seed }
}

/// 64 random bits. Never panics, never allocates.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn next_u64() -> u64 {
    STATE.with(|slot| {
        let mut state = slot.get();
        if state == UNSEEDED {
            state = from_os();
        }
        let bits = step(&mut state);
        slot.set(state);
        bits
    })
}

/// A hash of the clock, for when the operating system has no randomness to give.
#[cold]
fn fallback() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// This thread's generator state, saved by [`replace_with_seed`] and put back by [`restore`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Saved(u64);

/// Replaces this thread's generator with one seeded by `seed`, returning the previous one.
pub(crate) fn replace_with_seed(seed: u64) -> Saved {
    // Mixed once, so that nearby seeds (1, 2, 3) start far apart.
    let mut mixed = seed;
    let state = step(&mut mixed);
    Saved(STATE.replace(if state == UNSEEDED { 1 } else { state }))
}

/// Puts back a generator saved by [`replace_with_seed`]. A thread that had not drawn yet goes
/// back to unseeded, and seeds from the operating system at its next draw.
pub(crate) fn restore(previous: Saved) {
    STATE.set(previous.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_reproduces_and_restores() {
        let saved = replace_with_seed(7);
        let a = [next_u64(), next_u64()];
        let inner = replace_with_seed(7);
        assert_eq!(a, [next_u64(), next_u64()]);
        restore(inner);
        restore(saved);
        assert_ne!(next_u64(), next_u64());
    }

    #[test]
    fn nearby_seeds_diverge_and_bits_look_uniform() {
        let first = |seed| {
            let saved = replace_with_seed(seed);
            let bits = next_u64();
            restore(saved);
            bits
        };
        assert_ne!(first(1), first(2));
        // Each of the 64 bit positions is set in about half of 4,096 draws: a broken step (a
        // stuck state, a constant output) fails this by thousands.
        let saved = replace_with_seed(99);
        let mut ones = [0u32; 64];
        for _ in 0..4096 {
            let bits = next_u64();
            for (i, count) in ones.iter_mut().enumerate() {
                *count += u32::from((bits >> i) & 1 == 1);
            }
        }
        restore(saved);
        assert!(ones.iter().all(|&n| (1800..=2300).contains(&n)), "{ones:?}");
    }
}
