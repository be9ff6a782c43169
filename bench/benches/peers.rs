//! Times for every cell, side by side in one run: one criterion group per workload, one
//! function per way of retrying. Times on a shared machine drift, so compare the ratios within a
//! run (`python3 bench/tables.py criterion $CARGO_TARGET_DIR/criterion` prints them); the
//! instruction counts of `bench/callgrind.sh` are the repeatable numbers.
//!
//! `cargo bench -p retry-bench` runs everything (about a minute); `cargo bench -p retry-bench --
//! w1/` runs one workload.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn peers(c: &mut Criterion) {
    let cells = retry_bench::cells();
    for (workload, _) in retry_bench::WORKLOADS {
        let mut group = c.benchmark_group(*workload);
        for cell in cells.iter().filter(|cell| cell.workload == *workload) {
            let run = cell.run;
            group.bench_function(cell.way, |b| b.iter(|| run(black_box(7))));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short and bounded: the machine is shared, and each cell takes nanoseconds.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(600))
        .sample_size(20);
    targets = peers
}
criterion_main!(benches);
