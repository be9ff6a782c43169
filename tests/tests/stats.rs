//! `stats()` counts each site's retries, recoveries and give-ups, whichever loop the site runs:
//! the shared sync loop, a site's own loop (in an optimised build, for a zero base, and with the
//! `inline-loops` feature for every site; CI runs these tests both ways), a site with a sleeper
//! of its own, an async site. A
//! recovery is counted without listing the site again (its retries listed it), so these check
//! that every site still shows up, with exact counts.

use std::time::Duration;

use retry_runtime::{BlockingSleeper, GiveUpReason, SiteStats, retry, stats, testing};

/// Fails until `calls` reaches `succeed_at` (0: never succeeds).
fn body(calls: &mut u32, succeed_at: u32) -> Result<u32, String> {
    *calls += 1;
    if *calls == succeed_at {
        Ok(*calls)
    } else {
        Err(format!("attempt {calls} failed"))
    }
}

struct Instant;

impl BlockingSleeper for Instant {
    fn sleep(&self, _: Duration) {}
}

static INSTANT: Instant = Instant;

#[retry(max_attempts = 4, base = "10ms", name = "stats_plain")]
fn plain(calls: &mut u32, succeed_at: u32) -> Result<u32, String> {
    body(calls, succeed_at)
}

#[retry(max_attempts = 4, base = "0ms", sleeper = INSTANT, name = "stats_sleeper")]
fn with_sleeper(calls: &mut u32, succeed_at: u32) -> Result<u32, String> {
    body(calls, succeed_at)
}

#[retry(max_attempts = 4, base = "10ms", name = "stats_async")]
async fn in_a_future(calls: &mut u32, succeed_at: u32) -> Result<u32, String> {
    body(calls, succeed_at)
}

fn site(name: &str) -> SiteStats {
    stats()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} is not listed"))
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_site_counts_retries_recoveries_and_give_ups() {
    // The sync sites' sleeps return at once (an instant-sleep guard, a no-op sleeper), so they
    // may run on the test's runtime thread.
    let _sleeps = testing::instant_sleep();
    // Per site: a recovery at the third attempt, a first-attempt success, a give-up after four.
    let mut calls = [0; 3];
    for (succeed_at, calls) in [3, 1, 0].into_iter().zip(&mut calls) {
        let mut n = [0; 3];
        let outcomes = (
            plain(&mut n[0], succeed_at),
            with_sleeper(&mut n[1], succeed_at),
            in_a_future(&mut n[2], succeed_at).await,
        );
        let expected = if succeed_at == 0 {
            Err("attempt 4 failed".to_string())
        } else {
            Ok(succeed_at)
        };
        assert_eq!(outcomes, (expected.clone(), expected.clone(), expected));
        assert!(n.iter().all(|&made| made == n[0]), "{n:?}");
        *calls = n[0];
    }
    assert_eq!(calls, [3, 1, 4]);
    for name in ["stats_plain", "stats_sleeper", "stats_async"] {
        let s = site(name);
        assert_eq!((s.retries, s.recovered), (2 + 3, 1), "{name}");
        assert_eq!(s.gave_up(GiveUpReason::Exhausted), 1, "{name}");
    }
}
