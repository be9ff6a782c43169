//! The costs issue 2 promises, side by side in one run: a first-attempt success through
//! `#[retry]` against a direct call and a hand-written loop, and the price of a retry decision.
//! Run with `cargo bench -p retry-runtime`; compare ratios, not absolute times (shared machines
//! are noisy). The peer comparison (backon, backoff, tokio-retry) is the benchmark crate's job.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use retry_runtime::{BlockingSleeper, Policy, retry};

/// Sleeps for nothing, so retry benches measure the decision, not the wait.
struct NoSleep;
impl BlockingSleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}
static NO_SLEEP: NoSleep = NoSleep;

#[inline(never)]
fn operation(x: u64) -> Result<u64, u64> {
    if black_box(x) == u64::MAX {
        Err(x)
    } else {
        Ok(x + 1)
    }
}

/// What a careful person writes by hand: exponential delay, xorshift full jitter.
#[inline(never)]
fn hand_loop(x: u64) -> Result<u64, u64> {
    let mut delay = 100_000_000u64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ x;
    for attempt in 1..=3 {
        match operation(x) {
            Ok(v) => return Ok(v),
            Err(e) if attempt == 3 => return Err(e),
            Err(_) => {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let jittered = ((state as u128 * (delay as u128 + 1)) >> 64) as u64;
                NO_SLEEP.sleep(Duration::from_nanos(jittered));
                delay = (delay * 2).min(10_000_000_000);
            }
        }
    }
    unreachable!()
}

#[retry(max_attempts = 3, base = "100ms", sleeper = NO_SLEEP, doc = false)]
#[inline(never)]
fn attribute(x: u64) -> Result<u64, u64> {
    operation(x)
}

/// Fails four times, then succeeds: five attempts, four retry decisions.
#[retry(max_attempts = 5, base = "0ns", jitter = "full", sleeper = NO_SLEEP, context = attempt, doc = false)]
#[inline(never)]
fn four_failures(x: u64) -> Result<u64, u64> {
    if attempt.number() < 5 {
        Err(x)
    } else {
        operation(x)
    }
}

fn success_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("first-attempt success");
    group.bench_function("direct call", |b| b.iter(|| operation(black_box(7))));
    group.bench_function("hand loop", |b| b.iter(|| hand_loop(black_box(7))));
    group.bench_function("#[retry]", |b| b.iter(|| attribute(black_box(7))));
    group.bench_function("call()", |b| {
        let policy = Policy::DEFAULT;
        b.iter(|| retry_runtime::call_with(&policy, &NO_SLEEP, |_| operation(black_box(7))))
    });
    group.finish();
}

fn retry_path(c: &mut Criterion) {
    c.bench_function("four failures then success (#[retry])", |b| {
        b.iter(|| four_failures(black_box(7)))
    });
}

criterion_group! {
    name = benches;
    // Short and bounded: this machine is shared.
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1)).sample_size(30);
    targets = success_path, retry_path
}
criterion_main!(benches);
