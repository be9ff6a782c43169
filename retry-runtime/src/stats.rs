//! Built-in statistics: per call site, how many retries ran, how many calls succeeded only
//! after retrying, and how many gave up and why. No feature needed: the counters live in each
//! site's `static` and only the failure path updates them.

use core::fmt;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use crate::event::{GiveUpReason, Site};

/// Every give-up reason, in the order of the counters.
const REASONS: [GiveUpReason; 6] = [
    GiveUpReason::NotRetryable,
    GiveUpReason::Exhausted,
    GiveUpReason::Deadline,
    GiveUpReason::Budget,
    GiveUpReason::CircuitOpen,
    GiveUpReason::Disabled,
];

fn index(reason: GiveUpReason) -> usize {
    REASONS.iter().position(|&r| r == reason).unwrap_or(0)
}

/// A site's counters. Zero-initialised in the site's `static`; the site joins the process-wide
/// list the first time it counts something, so sites that never fail cost nothing here.
pub(crate) struct Counters {
    retries: AtomicU64,
    recovered: AtomicU64,
    gave_up: [AtomicU64; REASONS.len()],
    listed: AtomicBool,
    next: AtomicPtr<Site>,
}

impl Counters {
    /// All zeros. A `const` rather than a `const fn` call in `Site::new`: rustc evaluates it
    /// once per crate instead of interpreting the constructor again for every site's `static`.
    /// Every use is a fresh copy, which is the point: each site gets counters of its own.
    #[allow(clippy::declare_interior_mutable_const)]
    pub(crate) const ZERO: Counters = Counters {
        retries: AtomicU64::new(0),
        recovered: AtomicU64::new(0),
        gave_up: [const { AtomicU64::new(0) }; REASONS.len()],
        listed: AtomicBool::new(false),
        next: AtomicPtr::new(ptr::null_mut()),
    };
}

/// The head of the lock-free list of sites that have counted something.
static SITES: AtomicPtr<Site> = AtomicPtr::new(ptr::null_mut());

/// What happened at a site, for the counters.
#[derive(Clone, Copy)]
pub(crate) enum Tally {
    Retry,
    Recovered,
    GaveUp(GiveUpReason),
}

/// Counts one event at `site`, and lists the site the first time it counts something.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn count(site: &'static Site, tally: Tally) {
    count_listed(site, tally);
    list_once(site);
}

/// [`count`] for a site already listed (by [`list_once`]): the loop a sync site shares lists
/// its site once per call, not once per failure.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn count_listed(site: &'static Site, tally: Tally) {
    let counters = site.counters();
    let counter = match tally {
        Tally::Retry => &counters.retries,
        Tally::Recovered => &counters.recovered,
        Tally::GaveUp(reason) => &counters.gave_up[index(reason)],
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Puts `site` on the list [`stats`] reads if it is not there yet.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn list_once(site: &'static Site) {
    if !site.counters().listed.load(Ordering::Relaxed) {
        list(site);
    }
}

#[cold]
#[inline(never)]
fn list(site: &'static Site) {
    let counters = site.counters();
    if counters.listed.swap(true, Ordering::AcqRel) {
        return;
    }
    let this = ptr::from_ref(site).cast_mut();
    let mut head = SITES.load(Ordering::Acquire);
    loop {
        counters.next.store(head, Ordering::Relaxed);
        match SITES.compare_exchange_weak(head, this, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => break,
            Err(actual) => head = actual,
        }
    }
}

/// One site's statistics, as returned by [`stats`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteStats {
    /// The site's name (the `name` key, else the function's name).
    pub name: &'static str,
    /// Its module path.
    pub module: &'static str,
    /// Its source file.
    pub file: &'static str,
    /// Its line.
    pub line: u32,
    /// Retries run (sleeps taken between attempts).
    pub retries: u64,
    /// Calls that succeeded after at least one retry.
    pub recovered: u64,
    gave_up: [u64; REASONS.len()],
}

impl SiteStats {
    /// Calls that gave up for `reason`.
    #[must_use]
    pub fn gave_up(&self, reason: GiveUpReason) -> u64 {
        self.gave_up[index(reason)]
    }

    /// Calls that gave up, for any reason.
    #[must_use]
    pub fn gave_up_total(&self) -> u64 {
        self.gave_up.iter().sum()
    }
}

impl fmt::Display for SiteStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}:{}): {} retries, {} recovered, {} gave up",
            self.name,
            self.file,
            self.line,
            self.retries,
            self.recovered,
            self.gave_up_total()
        )?;
        let mut first = true;
        for (reason, &n) in REASONS.iter().zip(&self.gave_up) {
            if n > 0 {
                f.write_str(if first { " (" } else { ", " })?;
                write!(f, "{}: {n}", reason.as_str())?;
                first = false;
            }
        }
        if !first {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The statistics of every call site that has retried or given up since the process started,
/// most recently active first. Counted by the failure path only: a site whose calls always
/// succeed first time is not listed. Cheap enough for a health endpoint.
///
/// ```
/// use retry_runtime::{retry, stats, GiveUpReason};
///
/// #[retry(max_attempts = 2, base = "1ms", name = "stats_doc_example")]
/// fn flaky() -> Result<(), String> { Err("down".into()) }
///
/// # let _s = retry_runtime::testing::instant_sleep();
/// let _ = flaky();
/// let site = stats().into_iter().find(|s| s.name == "stats_doc_example").unwrap();
/// assert_eq!(site.retries, 1);
/// assert_eq!(site.gave_up(GiveUpReason::Exhausted), 1);
/// ```
#[must_use]
pub fn stats() -> Vec<SiteStats> {
    let mut all = Vec::new();
    let mut next = SITES.load(Ordering::Acquire);
    // SAFETY: only `&'static Site`s are ever pushed (see `count`), each once, and never
    // removed, so every pointer in the list is valid for the rest of the process.
    while let Some(site) = unsafe { next.as_ref() } {
        let counters = site.counters();
        let info = site.info();
        all.push(SiteStats {
            name: info.name,
            module: info.module,
            file: info.file,
            line: info.line,
            retries: counters.retries.load(Ordering::Relaxed),
            recovered: counters.recovered.load(Ordering::Relaxed),
            gave_up: core::array::from_fn(|i| counters.gave_up[i].load(Ordering::Relaxed)),
        });
        next = counters.next.load(Ordering::Acquire);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_listed_once_and_counted_concurrently() {
        static A: Site = Site::new("stats_a", "m", "f.rs", 1);
        static B: Site = Site::new("stats_b", "m", "f.rs", 2);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        count(&A, Tally::Retry);
                        count(&B, Tally::GaveUp(GiveUpReason::Budget));
                    }
                });
            }
        });
        count(&A, Tally::Recovered);
        let all = stats();
        let a: Vec<_> = all.iter().filter(|s| s.name == "stats_a").collect();
        let b: Vec<_> = all.iter().filter(|s| s.name == "stats_b").collect();
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_eq!((a[0].retries, a[0].recovered), (4000, 1));
        assert_eq!(b[0].gave_up(GiveUpReason::Budget), 4000);
        assert_eq!(b[0].gave_up_total(), 4000);
        assert_eq!(
            b[0].to_string(),
            "stats_b (f.rs:2): 0 retries, 0 recovered, 4000 gave up (budget: 4000)"
        );
    }
}
