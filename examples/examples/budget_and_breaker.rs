//! `cargo run --example budget_and_breaker`: two call sites share one `RetryBudget` and one
//! `CircuitBreaker` in front of a flaky dependency on loopback, which goes down for a while and
//! comes back. Every event is printed (runs of the same event folded into one line), then a
//! timeline of what reached the dependency. Finishes in about three seconds.
//!
//! What to look for: while the dependency is down, the budget stops the retries after a few
//! failures and the breaker then stops the calls themselves, so the dependency sees about one
//! attempt per `open_for` instead of four per call; once it is back, a probe closes the breaker
//! and calls flow again.

use std::io;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::{
    CircuitBreaker, ErrorView, Event, EventKind, Observer, RetryBudget, retry, set_observer,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

// One budget and one breaker per dependency, named by every site that calls it.
static CATALOG_BUDGET: RetryBudget = RetryBudget::new(20, 0.2);
static CATALOG_BREAKER: CircuitBreaker = CircuitBreaker::new()
    .failure_ratio(0.5)
    .minimum_calls(8)
    .window(Duration::from_secs(1))
    .open_for(Duration::from_millis(300))
    .half_open_probes(2);

/// `io::Error` converts from `CircuitOpen`, so a refused call is `Err` like any other.
#[retry(max_attempts = 4, base = "20ms", max_delay = "100ms", attempt_timeout = "500ms",
        budget = CATALOG_BUDGET, breaker = CATALOG_BREAKER)]
async fn price(catalog: SocketAddr, sku: u32) -> io::Result<String> {
    ask(catalog, &format!("price {sku}")).await
}

#[retry(max_attempts = 4, base = "20ms", max_delay = "100ms", attempt_timeout = "500ms",
        budget = CATALOG_BUDGET, breaker = CATALOG_BREAKER)]
async fn stock(catalog: SocketAddr, sku: u32) -> io::Result<String> {
    ask(catalog, &format!("stock {sku}")).await
}

/// One request on a new connection. A dependency that hangs up without answering is an
/// `UnexpectedEof`: transient, like a refused or reset connection.
async fn ask(catalog: SocketAddr, request: &str) -> io::Result<String> {
    let mut stream = BufReader::new(TcpStream::connect(catalog).await?);
    stream
        .get_mut()
        .write_all(format!("{request}\n").as_bytes())
        .await?;
    let mut answer = String::new();
    if stream.read_line(&mut answer).await? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "catalog hung up"));
    }
    Ok(answer.trim_end().to_string())
}

/// The dependency: answers while `healthy(elapsed)` says so, else hangs up at once. Counts the
/// attempts that reach it.
async fn catalog(listener: TcpListener, started: Instant, reached: &'static AtomicU32) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        reached.fetch_add(1, Ordering::Relaxed);
        if !healthy(started.elapsed()) {
            continue; // dropping the stream hangs up
        }
        tokio::spawn(async move {
            let mut stream = BufReader::new(stream);
            let mut request = String::new();
            if stream.read_line(&mut request).await.is_ok() {
                let answer = format!("{} = 42\n", request.trim_end());
                let _ = stream.get_mut().write_all(answer.as_bytes()).await;
            }
        });
    }
}

const OUTAGE: (Duration, Duration) = (Duration::from_millis(600), Duration::from_millis(1800));
const RUN: Duration = Duration::from_millis(3000);

fn healthy(elapsed: Duration) -> bool {
    !(OUTAGE.0..OUTAGE.1).contains(&elapsed)
}

/// Prints each event, folding a run of alike ones (the same thing happening to either site, such
/// as "refused: circuit open") into one line, so the output stays readable while the breaker
/// refuses calls.
struct Print {
    started: Mutex<Option<Instant>>,
    /// What the current run's events say, without the site name, and how many more there were.
    run: Mutex<Option<(String, u32)>>,
}

impl Print {
    fn flush(&self) {
        let mut run = self.run.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Self::end_run(&mut run);
    }

    fn end_run(run: &mut Option<(String, u32)>) {
        if let Some((_, repeats @ 1..)) = run.take() {
            println!("            ... and {repeats} more like it");
        }
    }
}

impl Observer for Print {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        let started = *self
            .started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let at = started.map_or(0.0, |started| started.elapsed().as_secs_f64());
        let mut line = event.to_string();
        if let (EventKind::Retry | EventKind::GiveUp, Some(error)) = (event.kind(), &error) {
            line = format!("{line}  [{error}]");
        }
        let what = line.strip_prefix(event.name()).unwrap_or(&line).to_string();
        let mut run = self.run.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match run.as_mut() {
            Some((last, repeats)) if *last == what => *repeats += 1,
            _ => {
                Self::end_run(&mut run);
                println!("   [{at:4.2}s] {line}");
                *run = Some((what, 0));
            }
        }
    }
}

static PRINT: Print = Print {
    started: Mutex::new(None),
    run: Mutex::new(None),
};
static REACHED: AtomicU32 = AtomicU32::new(0);

#[derive(Default)]
struct Slice {
    calls: u32,
    ok: u32,
    reached: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    *PRINT.started.lock().expect("not poisoned") = Some(started);
    set_observer(&PRINT).expect("the first observer installs");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let dependency = tokio::spawn(catalog(listener, started, &REACHED));
    println!(
        "catalog on {addr}: healthy, down from {:.1?} to {:.1?}, healthy again; a call every 25ms",
        OUTAGE.0, OUTAGE.1
    );
    println!("events:");

    // One call every 25ms, alternating the two sites, timed in slices of 300ms.
    let mut slices: Vec<Slice> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(25));
    let mut sku = 0;
    while started.elapsed() < RUN {
        tick.tick().await;
        let slice = (started.elapsed().as_millis() / 300) as usize;
        let reached_before = REACHED.load(Ordering::Relaxed);
        sku += 1;
        let result = if sku % 2 == 0 {
            price(addr, sku).await
        } else {
            stock(addr, sku).await
        };
        if slices.len() <= slice {
            slices.resize_with(slice + 1, Slice::default);
        }
        let counts = &mut slices[slice];
        counts.calls += 1;
        counts.ok += u32::from(result.is_ok());
        counts.reached += REACHED.load(Ordering::Relaxed) - reached_before;
    }
    PRINT.flush();
    dependency.abort();

    println!("\ntimeline, in slices of 300ms:");
    println!(
        "   {:>9}  {:>5}  {:>9}  {:>23}",
        "from", "calls", "succeeded", "attempts reaching it"
    );
    // The last tick may start a slice that the run does not fill: leave it out.
    let whole_slices = (RUN.as_millis() / 300) as usize;
    for (n, slice) in slices.iter().enumerate().take(whole_slices) {
        let from = Duration::from_millis(300 * n as u64);
        let state = if healthy(from) { "" } else { "  (down)" };
        println!(
            "   {:>8.1}s  {:>5}  {:>9}  {:>23}{state}",
            from.as_secs_f64(),
            slice.calls,
            slice.ok,
            slice.reached
        );
    }
    println!(
        "\nbreaker now {:?}, budget {:.1}/{} tokens; done in {:.1?}",
        CATALOG_BREAKER.state(),
        CATALOG_BUDGET.tokens(),
        CATALOG_BUDGET.max_tokens(),
        started.elapsed()
    );
}
