//! A failure at a plain site (no observer of its own, no budget, breaker or context) takes a lean
//! path when nothing process-wide asks for more, and the long way when something does: the kill
//! switch off or not yet read, or a global observer installed. These tests change those settings
//! while plain sites run and check that each change is seen at the very next failure, in a call
//! already under way too, at sync sites with and without a loop of their own. Their own binary,
//! with one test, because both settings are process-wide and an observer, once installed, stays.

use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{EventKind, GiveUpReason, retry, set_enabled, set_observer, stats};

static GLOBAL: Recorder = Recorder::new();

/// Calls `set_enabled(false)` when this attempt number is reached (0: never).
static DISABLE_AT: AtomicU32 = AtomicU32::new(0);

fn body(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    if *calls == DISABLE_AT.load(Ordering::Relaxed) {
        set_enabled(false);
    }
    Err(format!("attempt {calls} failed"))
}

#[retry(max_attempts = 4, base = "10ms", name = "lean_sync")]
fn plain_sync(calls: &mut u32) -> Result<(), String> {
    body(calls)
}

#[retry(max_attempts = 4, base = "10ms", name = "lean_async")]
async fn plain_async(calls: &mut u32) -> Result<(), String> {
    body(calls)
}

/// A zero base: in an optimised build, the site runs a loop of its own after a failure.
#[retry(max_attempts = 4, base = "0ns", name = "lean_at_once")]
fn at_once(calls: &mut u32) -> Result<(), String> {
    body(calls)
}

/// Attempts made by one call of each site: (sync, async, sync with a zero base).
fn attempts(runtime: &tokio::runtime::Runtime) -> (u32, u32, u32) {
    let (mut sync_calls, mut async_calls, mut at_once_calls) = (0, 0, 0);
    assert!(plain_sync(&mut sync_calls).is_err());
    assert!(runtime.block_on(plain_async(&mut async_calls)).is_err());
    assert!(at_once(&mut at_once_calls).is_err());
    (sync_calls, async_calls, at_once_calls)
}

fn retries(site: &str) -> u64 {
    stats()
        .into_iter()
        .find(|s| s.name == site)
        .map_or(0, |s| s.retries)
}

#[test]
fn plain_sites_see_each_process_wide_change_at_the_next_failure() {
    let _sleeps = testing::instant_sleep();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();

    // The first failure reads the switch from the environment; the rest go the lean way,
    // and still count their retries.
    assert_eq!(attempts(&runtime), (4, 4, 4));
    assert_eq!(attempts(&runtime), (4, 4, 4));
    let counts = ["lean_sync", "lean_async", "lean_at_once"].map(retries);
    assert_eq!(counts, [6, 6, 6]);

    set_enabled(false);
    assert_eq!(attempts(&runtime), (1, 1, 1));
    set_enabled(true);
    assert_eq!(attempts(&runtime), (4, 4, 4));

    // Switched off in the middle of a call: its next failure gives up.
    DISABLE_AT.store(2, Ordering::Relaxed);
    let mut calls = 0;
    assert!(plain_sync(&mut calls).is_err());
    assert_eq!(calls, 2);
    set_enabled(true);
    let mut calls = 0;
    assert!(runtime.block_on(plain_async(&mut calls)).is_err());
    assert_eq!(calls, 2);
    set_enabled(true);
    let mut calls = 0;
    assert!(at_once(&mut calls).is_err());
    assert_eq!(calls, 2);
    set_enabled(true);
    DISABLE_AT.store(0, Ordering::Relaxed);

    // Nothing was reported so far; from now on the global observer hears every plain site.
    set_observer(&GLOBAL).unwrap();
    assert_eq!(attempts(&runtime), (4, 4, 4));
    let trace: Vec<_> = GLOBAL
        .events()
        .iter()
        .map(|e| (e.name(), e.kind(), e.attempt(), e.reason()))
        .collect();
    let one_call = |name| {
        [
            (name, EventKind::Retry, 1, None),
            (name, EventKind::Retry, 2, None),
            (name, EventKind::Retry, 3, None),
            (name, EventKind::GiveUp, 4, Some(GiveUpReason::Exhausted)),
        ]
    };
    let expected = ["lean_sync", "lean_async", "lean_at_once"].map(one_call);
    assert_eq!(trace, expected.concat());
    for name in ["lean_sync", "lean_at_once"] {
        let sync_stats = stats().into_iter().find(|s| s.name == name).unwrap();
        assert_eq!(sync_stats.retries, 6 + 3 + 1 + 3, "{name}");
        assert_eq!(sync_stats.gave_up(GiveUpReason::Disabled), 2, "{name}");
    }
}
