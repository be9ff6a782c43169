//! The same operations retried by `#[retry]`, `retry_runtime::call`, a hand-written loop and the
//! peer crates, as *cells*: one workload × one way of retrying, each an `#[inline(never)]`
//! `fn(u64) -> u64`. The criterion bench (`benches/peers.rs`), the instruction counter
//! (`src/bin/cells.rs` under `callgrind.sh`) and the allocation counter (`src/bin/allocs.rs`)
//! all run these same functions, so times, instruction counts and allocations describe one
//! compiled body each.
//!
//! Fairness rules every cell follows:
//! - the operation under test is one of the `#[inline(never)]` functions in [`common`], reached
//!   through `black_box`, so no crate's loop can be constant-folded away;
//! - the cell is the only other `#[inline(never)]` boundary; everything a crate does (building
//!   its policy, its loop, its future) is inside the cell, as a user's code would have it;
//! - every crate is configured to the same policy as far as it can express it: up to 3 attempts
//!   (W1/W2) or 5 (W3/W4), exponential from 100ms doubling to a 10s cap, full jitter. Where a
//!   crate cannot (backoff has no attempt limit and only its own ±50% jitter; `retry` has no
//!   cap), the cell does what a user of that crate would write, and `BENCHMARKS.md` says so.

pub mod common;
mod duties;
mod w1;
mod w2;
mod w3;
mod w4;
mod w5;

pub use w5::{BODY_FUTURE_SIZE, FutureSize, future_sizes};

/// One workload run one way.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    /// `w1`, `w2`, `w3`, `w3s`, `w3a`, `w4d`, `w4f`, `w4s`: see `BENCHMARKS.md`.
    pub workload: &'static str,
    /// The way of retrying: `direct`, `hand`, `attr`, `call`, `backon`, `backoff`,
    /// `tokio-retry`, `retry`.
    pub way: &'static str,
    /// Runs the cell once on its argument; the result only exists to be `black_box`ed.
    pub run: fn(u64) -> u64,
    /// What `run(7)` returns, checked by the tests and by `cells check`.
    pub expect: u64,
}

impl Cell {
    /// `workload.way`, the name the scripts and the bench use.
    pub fn id(&self) -> String {
        format!("{}.{}", self.workload, self.way)
    }
}

/// What the workloads measure, in the order the tables show them.
pub const WORKLOADS: &[(&str, &str)] = &[
    ("w1", "sync, success on the first attempt"),
    (
        "w2",
        "async, success on the first attempt (one poll, no-op waker)",
    ),
    (
        "w3",
        "sync, four failures then success, zero delays, no-op sleeper where possible",
    ),
    (
        "w3s",
        "W3's configuration, success on the first attempt (W3's baseline)",
    ),
    (
        "w3a",
        "async, four failures then success, zero delays, no-op sleeper",
    ),
    (
        "w4d",
        "one jittered delay from a fresh schedule (100ms base, full jitter)",
    ),
    (
        "w4f",
        "four failures then success, 100ms base, full jitter, no-op sleeper",
    ),
    (
        "w4s",
        "W4f's configuration, success on the first attempt (W4f's baseline)",
    ),
];

/// Every cell, grouped by workload in [`WORKLOADS`] order.
pub fn cells() -> Vec<Cell> {
    let mut all = Vec::new();
    all.extend_from_slice(w1::CELLS);
    all.extend_from_slice(w2::CELLS);
    all.extend_from_slice(w3::CELLS);
    all.extend_from_slice(w4::DELAY_CELLS);
    all.extend_from_slice(w4::CELLS);
    all
}

/// The cell named `workload.way`.
pub fn cell(id: &str) -> Option<Cell> {
    cells().into_iter().find(|c| c.id() == id)
}

/// Folds a cell's outcome to one word, the same way for every crate.
#[inline(always)]
fn fold(result: Result<u64, u64>) -> u64 {
    match result {
        Ok(v) => v,
        Err(e) => !e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_returns_what_it_should() {
        for cell in cells() {
            assert_eq!((cell.run)(7), cell.expect, "{}", cell.id());
        }
    }

    #[test]
    fn ids_are_unique_and_workloads_known() {
        let all = cells();
        for (i, c) in all.iter().enumerate() {
            assert!(WORKLOADS.iter().any(|(w, _)| *w == c.workload), "{}", c.id());
            assert!(all[i + 1..].iter().all(|d| d.id() != c.id()), "{}", c.id());
        }
    }

    #[test]
    fn the_body_future_is_80_bytes() {
        assert_eq!(BODY_FUTURE_SIZE, 80);
        let direct = future_sizes()[0];
        assert_eq!((direct.way, direct.bytes), ("direct", BODY_FUTURE_SIZE));
    }
}
