//! N clients contend for one row under optimistic concurrency, the setup of AWS's
//! `aws-arch-backoff-simulator`: each client reads the row's version, sends a write carrying
//! it, and wins only if nobody else wrote in between; a loser backs off and tries again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use retry_runtime::{Jitter, Policy, retry, testing};
use tokio::time::{Instant, sleep};

use crate::rng::{self, Rng};

/// Client counts, as in the issue: 10, 20, …, 100.
pub const CLIENTS: [usize; 10] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/// Runs averaged per point. AWS averages 100; 50 keeps a debug build's run under a minute, and
/// the standard error of each mean under 1 %.
pub const RUNS: u64 = 50;
/// One network hop: |N(10 ms, 2 ms)|, AWS's `Net(10, 2)`.
pub const HOP_MEAN_MS: f64 = 10.0;
pub const HOP_SD_MS: f64 = 2.0;
/// AWS's `expo(n) = min(cap, 2^n × 5 ms)` with n from 1 is 10 ms, 20 ms, 40 ms, …: the
/// runtime's exponential schedule from a 10 ms base is the same sequence.
pub const BASE: Duration = Duration::from_millis(10);
pub const CAP: Duration = Duration::from_secs(2);
/// A hard bound so no strategy can loop for ever; none comes near it (gave-up is reported).
pub const MAX_ATTEMPTS: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    NoBackoff,
    Exponential,
    Full,
    Equal,
    Decorrelated,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::NoBackoff,
        Strategy::Exponential,
        Strategy::Full,
        Strategy::Equal,
        Strategy::Decorrelated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Strategy::NoBackoff => "no backoff",
            Strategy::Exponential => "exponential, no jitter",
            Strategy::Full => "full jitter",
            Strategy::Equal => "equal jitter",
            Strategy::Decorrelated => "decorrelated jitter",
        }
    }

    /// The run-time policy: `jitter`/`backoff` keys are literals, so the strategy travels as a
    /// `Policy` argument instead.
    pub fn policy(self) -> Policy {
        let exponential = Policy::exponential(BASE)
            .max_delay(CAP)
            .max_attempts(MAX_ATTEMPTS);
        match self {
            Strategy::NoBackoff => Policy::constant(Duration::ZERO)
                .jitter(Jitter::None)
                .max_attempts(MAX_ATTEMPTS),
            Strategy::Exponential => exponential.jitter(Jitter::None),
            Strategy::Full => exponential.jitter(Jitter::Full),
            Strategy::Equal => exponential.jitter(Jitter::Equal),
            Strategy::Decorrelated => exponential.jitter(Jitter::Decorrelated),
        }
    }
}

/// The contended row and the network in front of it.
struct Row {
    version: Cell<u64>,
    writes: Cell<u64>,
    net: RefCell<Rng>,
}

impl Row {
    fn hop(&self) -> Duration {
        self.net.borrow_mut().latency(HOP_MEAN_MS, HOP_SD_MS)
    }
}

/// The write lost the race: someone else's landed between our read and our write.
#[derive(Debug)]
struct Conflict;

#[retry(policy = policy, name = "contention")]
async fn update_row(policy: &Policy, row: &Row) -> Result<(), Conflict> {
    // The same four hops as AWS's client: read request, read response, write request, write
    // response. The race window is the two hops between reading and writing.
    sleep(row.hop()).await;
    let seen = row.version.get();
    sleep(row.hop() + row.hop()).await;
    row.writes.set(row.writes.get() + 1);
    let won = row.version.get() == seen;
    if won {
        row.version.set(seen + 1);
    }
    sleep(row.hop()).await;
    if won { Ok(()) } else { Err(Conflict) }
}

/// One point of the sweep: means over `RUNS` runs.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub clients: usize,
    pub strategy: Strategy,
    /// Writes reaching the row, per run.
    pub calls: f64,
    /// Sample standard deviation of the calls, per run.
    pub calls_sd: f64,
    /// Until the last client's write succeeded, per run.
    pub time: Duration,
    /// Clients that exhausted `MAX_ATTEMPTS`, summed over runs (0 expected).
    pub gave_up: u64,
}

async fn run_once(strategy: Strategy, clients: usize, run: u64) -> (u64, Duration, u64) {
    let seed = rng::seed(&[strategy as u64, clients as u64, run]);
    // Jitter is drawn from this thread's generator, which every task shares.
    let _jitter = testing::seed(seed);
    let row = Rc::new(Row {
        version: Cell::new(0),
        writes: Cell::new(0),
        net: RefCell::new(Rng::new(seed ^ 0xA5A5)),
    });
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let row = Rc::clone(&row);
            tokio::task::spawn_local(async move { update_row(&strategy.policy(), &row).await.is_ok() })
        })
        .collect();
    let mut gave_up = 0;
    for task in tasks {
        if !task.await.expect("a client task panicked") {
            gave_up += 1;
        }
    }
    (row.writes.get(), start.elapsed(), gave_up)
}

/// The whole sweep; runs inside a `LocalSet` on a paused current-thread runtime.
pub async fn sweep() -> Vec<Point> {
    let mut points = Vec::new();
    for clients in CLIENTS {
        for strategy in Strategy::ALL {
            let mut calls = Vec::new();
            let mut total_time = Duration::ZERO;
            let mut gave_up = 0;
            for run in 0..RUNS {
                let (c, t, g) = run_once(strategy, clients, run).await;
                calls.push(c as f64);
                total_time += t;
                gave_up += g;
            }
            let mean = calls.iter().sum::<f64>() / calls.len() as f64;
            let var = calls.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (calls.len() - 1) as f64;
            points.push(Point {
                clients,
                strategy,
                calls: mean,
                calls_sd: var.sqrt(),
                time: total_time / RUNS as u32,
                gave_up,
            });
        }
    }
    points
}
