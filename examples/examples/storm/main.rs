//! `cargo run --release --example storm`: retry storms, simulated with the real runtime.
//!
//! Two experiments run on tokio's paused clock, so minutes of simulated time take a second or
//! two: N clients contending for one row with each backoff and jitter strategy, and M clients
//! calling a dependency through a one-minute outage with no protection, a `RetryBudget`, and a
//! budget plus a `CircuitBreaker`. It writes `docs/storm.md` and the SVG charts beside it,
//! prints the tables and a PASS/FAIL line per target, and exits non-zero if a target fails.

mod charts;
mod contention;
mod outage;
mod report;
mod rng;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use contention::{Point, Strategy};
use outage::{Outcome, Setting};

/// A promise checked against what the simulation measured.
pub struct Target {
    pub claim: String,
    pub measured: String,
    pub pass: bool,
}

fn main() -> ExitCode {
    // One runtime for everything, because its paused clock only moves forward. Breakers measure
    // time from a process-wide epoch set by the first breaker call; a second paused runtime
    // starts its clock at the real now, possibly behind that epoch, which freezes breaker time.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    // Tasks share `Rc`s and `RefCell`s: everything runs on this one thread.
    let local = tokio::task::LocalSet::new();
    let wall = std::time::Instant::now();

    let points = runtime.block_on(local.run_until(contention::sweep()));
    let run = |setting: Setting, seed: u64| runtime.block_on(local.run_until(outage::run(setting, seed)));
    let outcomes: Vec<Outcome> = Setting::MAIN.iter().map(|&s| run(s, 7)).collect();
    let mut windows = vec![outcomes[2].clone()];
    windows.extend(Setting::WINDOWS[1..].iter().map(|&s| run(s, 7)));

    let targets = targets(&points, &outcomes);
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let written = std::fs::create_dir_all(&docs)
        .map_err(Into::into)
        .and_then(|()| charts::contention_calls(&docs.join("contention-calls.svg"), &points))
        .and_then(|()| charts::contention_time(&docs.join("contention-time.svg"), &points))
        .and_then(|()| charts::outage(&docs.join("outage.svg"), &outcomes))
        .and_then(|()| {
            let markdown = report::markdown(&points, &outcomes, &windows, &targets);
            std::fs::write(docs.join("storm.md"), markdown).map_err(Into::into)
        });

    println!("{}", report::contention_tables(&points));
    println!("{}", report::outage_table(&outcomes));
    println!("{}", report::window_table(&windows));
    for target in &targets {
        let verdict = if target.pass { "PASS" } else { "FAIL" };
        println!("{verdict}  {}: {}", target.claim, target.measured);
    }
    println!("\nsimulated in {:.1?} of wall time", wall.elapsed());
    if let Err(error) = written {
        eprintln!("could not write {}: {error}", docs.display());
        return ExitCode::FAILURE;
    }
    let docs = docs.canonicalize().unwrap_or(docs);
    println!("wrote {}", docs.join("storm.md").display());
    if targets.iter().all(|t| t.pass) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn targets(points: &[Point], outcomes: &[Outcome]) -> Vec<Target> {
    let at = |strategy: Strategy| {
        points
            .iter()
            .find(|p| p.clients == 100 && p.strategy == strategy)
            .expect("the sweep covers 100 clients")
            .calls
    };
    let (full, exponential) = (at(Strategy::Full), at(Strategy::Exponential));
    let [unprotected, budget, guarded] = [&outcomes[0], &outcomes[1], &outcomes[2]];
    let (opened_after, calls_until_open) = guarded.opened.unwrap_or((Duration::MAX, u64::MAX));
    // A probe in flight when the dependency recovers may still fail and reopen the breaker;
    // then, after `open_for`, the next call (one call interval away) is the probe that succeeds.
    let probe = outage::PERIOD / outage::CLIENTS + outage::LATENCY * 2;
    let found = guarded.first_success.unwrap_or(Duration::MAX);
    vec![
        Target {
            claim: "contention, 100 clients: full jitter ≤ 45 % of the calls of un-jittered exponential"
                .into(),
            measured: format!(
                "{full:.0} / {exponential:.0} = {:.1} %",
                100.0 * full / exponential
            ),
            pass: full <= 0.45 * exponential,
        },
        Target {
            claim: format!(
                "full outage, max_attempts = 5, RetryBudget::new({}, {}): amplification ≤ 1.1",
                outage::BUDGET_TOKENS,
                outage::BUDGET_RATIO
            ),
            measured: format!("{:.3}", budget.amplification()),
            pass: budget.amplification() <= 1.1,
        },
        Target {
            // Not a promise but a guard on the simulator: if retries silently stopped, the
            // budget target above would pass for the wrong reason.
            claim: "reference: the same outage without a budget amplifies about 5× (4.5 to 5.0)".into(),
            measured: format!("{:.3}", unprotected.amplification()),
            pass: (4.5..=5.0).contains(&unprotected.amplification()),
        },
        Target {
            claim: format!(
                "breaker stops calling a dead dependency within minimum_calls = {} calls",
                outage::MINIMUM_CALLS
            ),
            measured: match guarded.opened {
                Some(_) => format!(
                    "opened after {calls_until_open} calls, {} ms into the outage",
                    (opened_after - outage::OUTAGE_START).as_millis()
                ),
                None => "never opened".into(),
            },
            pass: calls_until_open <= u64::from(outage::MINIMUM_CALLS),
        },
        Target {
            claim: format!(
                "breaker finds the recovered dependency within open_for + one probe ({} ms + {} ms)",
                outage::OPEN_FOR.as_millis(),
                probe.as_millis()
            ),
            measured: match guarded.first_success {
                Some(d) => format!("first success {} ms after the recovery", d.as_millis()),
                None => "no success after the recovery".into(),
            },
            pass: found <= outage::OPEN_FOR + probe,
        },
    ]
}
