//! `cargo run --example custom_observer`: an `Observer` of your own that prints each event with
//! its error's `source()` chain and keeps per-site totals, printed as a table at the end.
//! Finishes in well under a second.
//!
//! An observer runs inline, between a failed attempt and its sleep, so it should be quick and
//! must not block for long: this one takes one short lock. The error is lent as an `ErrorView`:
//! nothing is allocated unless the observer formats it.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::{ErrorView, Event, EventKind, Observer, retry, set_observer, stats};

/// What one site cost, summed over its calls.
#[derive(Default)]
struct SiteTotals {
    retries: u32,
    recovered: u32,
    gave_up: BTreeMap<&'static str, u32>,
    slept: Duration,
    error_types: BTreeMap<&'static str, u32>,
}

/// Prints every event and keeps totals per site name.
struct Tally {
    sites: Mutex<BTreeMap<&'static str, SiteTotals>>,
}

impl Tally {
    const fn new() -> Self {
        Tally {
            sites: Mutex::new(BTreeMap::new()),
        }
    }

    fn print_summary(&self) {
        let sites = self.sites.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        println!(
            "{:<14} {:>7} {:>9} {:>8}  {:<28} errors seen",
            "site", "retries", "recovered", "slept", "gave up"
        );
        for (name, totals) in sites.iter() {
            println!(
                "{name:<14} {:>7} {:>9} {:>8}  {:<28} {}",
                totals.retries,
                totals.recovered,
                format!("{:.0?}", totals.slept),
                counts(&totals.gave_up),
                counts(&totals.error_types),
            );
        }
    }
}

fn counts(map: &BTreeMap<&'static str, u32>) -> String {
    let parts: Vec<String> = map.iter().map(|(key, n)| format!("{key} ×{n}")).collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

impl Observer for Tally {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        // Print first, outside the lock: formatting the error is the slow part.
        match &error {
            Some(error) => {
                print!("   {event}  [{}: {error}", error.type_name());
                for cause in error.sources() {
                    print!(" <- caused by: {cause}");
                }
                println!("]");
            }
            None => println!("   {event}"),
        }
        let mut sites = self.sites.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let totals = sites.entry(event.name()).or_default();
        match (event.kind(), event.reason()) {
            (EventKind::Retry, _) => totals.retries += 1,
            (EventKind::Success, _) => totals.recovered += 1,
            (EventKind::GiveUp, Some(reason)) => *totals.gave_up.entry(reason.as_str()).or_default() += 1,
            _ => {}
        }
        totals.slept += event.delay().unwrap_or_default();
        if let Some(error_type) = event.error_type() {
            let short = error_type.rsplit("::").next().unwrap_or(error_type);
            *totals.error_types.entry(short).or_default() += 1;
        }
    }
}

static TALLY: Tally = Tally::new();

/// A payment gateway's error, wrapping the I/O error underneath: the observer walks the chain.
#[derive(Debug)]
struct GatewayError {
    source: io::Error,
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("payment gateway unavailable")
    }
}

impl std::error::Error for GatewayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

static CHARGES: AtomicU32 = AtomicU32::new(0);

// Fails the first two attempts of every other call. `on` finds the I/O error in the chain.
#[retry(max_attempts = 4, base = "10ms", jitter = "none", on = io::Error, context = attempt)]
fn charge_card(cents: u64) -> Result<u64, GatewayError> {
    let call = CHARGES.load(Ordering::Relaxed);
    if call % 2 == 1 || attempt.number() > 2 {
        CHARGES.fetch_add(1, Ordering::Relaxed);
        return Ok(cents);
    }
    Err(GatewayError {
        source: io::Error::new(io::ErrorKind::TimedOut, "read timed out after 2s"),
    })
}

// A permanent error: given up at once, reason `not retryable`.
#[retry(max_attempts = 4, base = "10ms")]
fn lookup_user(id: u32) -> io::Result<String> {
    Err(io::Error::new(io::ErrorKind::NotFound, format!("no user {id}")))
}

// Never works: every attempt is spent, reason `attempts exhausted`.
#[retry(max_attempts = 3, base = "5ms", name = "smtp")]
fn send_email(to: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("smtp relay refused mail for {to}"),
    ))
}

fn main() {
    set_observer(&TALLY).expect("the first observer installs");
    let started = Instant::now();

    println!("events, as they happen:");
    for cents in [500, 1250, 990, 4000] {
        let _ = charge_card(cents);
    }
    let _ = lookup_user(7);
    let _ = send_email("ops@example.invalid");

    println!("\nper-site totals, from the observer:");
    TALLY.print_summary();

    // The runtime keeps similar counters of its own, no observer needed: compare.
    println!("\nthe built-in `stats()`, for comparison:");
    for site in stats() {
        println!("   {site}");
    }
    println!("\ndone in {:.1?}", started.elapsed());
}
