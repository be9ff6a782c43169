//! The hand loop with the specification's duties: what any loop that keeps the specification's
//! promises must do on a failure, written out as cheaply as it can be, beside
//! [`hand_loop`](crate::common::hand_loop) and nothing more. It is the floor for `#[retry]`'s
//! failure cells: the hand loop keeps none of these promises, so the distance from the hand loop
//! to this loop is what the promises cost, and the distance from this loop to `#[retry]` is what
//! the library costs on top of them.
//!
//! The duties, each as one relaxed atomic or one thread-local access:
//! - the kill switch (`set_enabled`) and the global observer, read on every failure (one
//!   process-wide word, as the runtime keeps them);
//! - the statistics (`stats()`): the site listed once per call, one count per retry and one
//!   for a success after retries, which also tells a global observer;
//! - the jitter from this thread's generator, which `testing::seed` can replace: one draw from
//!   the thread's state per call, to fork a stream that the call then steps in a register
//!   (cheaper than the runtime, which steps the thread's state on every draw);
//! - `testing::instant_sleep` guards, checked before each sleep that is not zero.
//!
//! The duties' state is this module's own: a static or two, as the runtime keeps it. Nothing is
//! done that the benchmarks would not reach (no events, no long way), so the floor is, if
//! anything, low.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use crate::common::CAP;

/// The kill switch and "a global observer is installed", as one word.
static DETOURS: AtomicU8 = AtomicU8::new(0);
/// Whether the site is in the statistics' list yet.
static LISTED: AtomicBool = AtomicBool::new(false);
/// The site's count of retries.
static RETRIES: AtomicU64 = AtomicU64::new(0);
/// The site's count of successes after retries.
static RECOVERED: AtomicU64 = AtomicU64::new(0);
/// How many instant-sleep guards are alive.
static GUARDS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's generator, lazily seeded.
    static STATE: Cell<u64> = const { Cell::new(0) };
}

/// What the loop does when a duty needs more than its check: never reached in a benchmark
/// (the words are zero), and out of line, as a library would have it.
#[cold]
#[inline(never)]
fn rare(what: u64) -> u64 {
    black_box(what)
}

/// wyrand's step, as the runtime's generator takes it.
#[inline(always)]
fn step(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0xa076_1d64_78bd_642f);
    let product = u128::from(*state) * u128::from(*state ^ 0xe703_7ed1_a0b4_28db);
    ((product >> 64) as u64) ^ (product as u64)
}

/// A stream of its own for one call, forked from this thread's generator.
#[inline(always)]
fn fork() -> u64 {
    STATE.with(|slot| {
        let mut state = slot.get();
        if state == 0 {
            state = rare(1) | 1;
        }
        let bits = step(&mut state);
        slot.set(state);
        bits
    })
}

/// A success: counted, and told to a global observer, when retries came before it.
#[inline(always)]
fn succeeded(attempt: u32) {
    if attempt > 1 {
        RECOVERED.fetch_add(1, Relaxed);
        if DETOURS.load(Relaxed) != 0 {
            rare(2);
        }
    }
}

/// A failure with attempts left: `None` when the kill switch or a global observer sends it
/// the long way (which the benchmarks never take); else the jittered delay before the next
/// attempt, counted, with `delay` stepped for the one after.
#[inline(always)]
fn retry(attempt: u32, delay: &mut u64, stream: &mut Option<u64>) -> Option<u64> {
    if DETOURS.load(Relaxed) != 0 {
        rare(3);
        return None;
    }
    if attempt == 1 && !LISTED.load(Relaxed) {
        LISTED.store(rare(4) != 0, Relaxed);
    }
    RETRIES.fetch_add(1, Relaxed);
    let state = stream.get_or_insert_with(fork);
    let jittered = ((u128::from(step(state)) * (u128::from(*delay) + 1)) >> 64) as u64;
    *delay = delay.saturating_mul(2).min(CAP.as_nanos() as u64);
    Some(jittered)
}

/// Whether to sleep for `delay`: not for zero, nor under an instant-sleep guard.
#[inline(always)]
fn sleeps(delay: u64) -> bool {
    delay != 0 && (GUARDS.load(Relaxed) == 0 || rare(delay) == 0)
}

/// The body of [`duty_loop`] and [`duty_loop_async`], which differ only in awaiting the
/// operation and the sleep (`$(.$await)?`).
macro_rules! duty_loop_body {
    ($max_attempts:ident, $base:ident, $sleep:ident, $op:ident $(, $await:tt)?) => {{
        let mut delay = $base.as_nanos() as u64;
        let mut stream = None;
        let mut attempt = 1;
        loop {
            let e = match $op()$(.$await)? {
                Ok(v) => {
                    succeeded(attempt);
                    return Ok(v);
                }
                Err(e) => e,
            };
            if attempt >= $max_attempts {
                return Err(e);
            }
            let Some(jittered) = retry(attempt, &mut delay, &mut stream) else {
                return Err(e);
            };
            drop(e);
            if sleeps(jittered) {
                $sleep(Duration::from_nanos(jittered))$(.$await)?;
            }
            attempt += 1;
        }
    }};
}

/// [`hand_loop`](crate::common::hand_loop) with the duties: the same running exponential delay
/// and full jitter, the same attempts, and every check and count the specification asks of a
/// failure and of a success after one.
#[inline(always)]
pub fn duty_loop<T, E>(
    max_attempts: u32,
    base: Duration,
    mut sleep: impl FnMut(Duration),
    mut op: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    duty_loop_body!(max_attempts, base, sleep, op)
}

/// [`duty_loop`] for async operations and sleeps, beside
/// [`hand_loop_async`](crate::common::hand_loop_async).
pub async fn duty_loop_async<T, E, Op, Fut, Sl, SlFut>(
    max_attempts: u32,
    base: Duration,
    mut sleep: Sl,
    mut op: Op,
) -> Result<T, E>
where
    Op: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    Sl: FnMut(Duration) -> SlFut,
    SlFut: Future<Output = ()>,
{
    duty_loop_body!(max_attempts, base, sleep, op, await)
}
