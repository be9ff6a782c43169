//! This thread's random words for jitter and idempotency keys.
//!
//! A small, fast generator from `rand` (`SmallRng`), seeded from the operating system once per
//! thread on first use; nothing is drawn on the success path. `testing::seed` swaps in a seeded
//! generator for reproducible runs.

use std::cell::Cell;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

thread_local! {
    // `const`, without a lazy-initialisation check or a borrow flag: `None` until this thread's
    // first draw, which seeds it.
    static RNG: Cell<Option<SmallRng>> = const { Cell::new(None) };
}

/// A generator seeded straight from the operating system. Not `rand::make_rng`: with rand's
/// `thread_rng` feature (which any crate in the build can turn on) it seeds through
/// `rand::rng()`, which allocates; and it panics if the OS refuses, where a clock-seeded
/// generator is good enough for jitter.
#[cold]
fn from_os() -> SmallRng {
    SmallRng::try_from_rng(&mut rand::rngs::SysRng).unwrap_or_else(|_| SmallRng::seed_from_u64(fallback()))
}

/// 64 random bits. Never panics: during thread teardown, when the thread-local is gone, it falls
/// back to a hash of the clock, which is enough for jitter.
#[inline]
pub(crate) fn next_u64() -> u64 {
    RNG.try_with(|slot| {
        let mut rng = slot.take().unwrap_or_else(from_os);
        let bits = rng.next_u64();
        slot.set(Some(rng));
        bits
    })
    .unwrap_or_else(|_| fallback())
}

#[cold]
fn fallback() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Replaces this thread's generator with one seeded by `seed`, returning the previous one.
pub(crate) fn replace_with_seed(seed: u64) -> Option<SmallRng> {
    RNG.try_with(|slot| slot.replace(Some(SmallRng::seed_from_u64(seed))))
        .ok()
        .map(|previous| previous.unwrap_or_else(from_os))
}

/// Puts back a generator saved by [`replace_with_seed`].
pub(crate) fn restore(previous: SmallRng) {
    let _ = RNG.try_with(|slot| slot.set(Some(previous)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_reproduces_and_restores() {
        let saved = replace_with_seed(7).unwrap();
        let a = [next_u64(), next_u64()];
        let inner = replace_with_seed(7).unwrap();
        assert_eq!(a, [next_u64(), next_u64()]);
        restore(inner);
        restore(saved);
        assert_ne!(next_u64(), next_u64());
    }
}
