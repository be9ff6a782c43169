//! `cargo run --example quickstart`: three retried functions against dependencies that fail on a
//! schedule, with every retry, delay and outcome printed as it happens. Finishes in about a
//! second.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::{ErrorView, Event, Observer, Transient, retry, set_observer};

/// Prints each event of every retried call, with the error that caused it.
struct Print;

impl Observer for Print {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        match error {
            Some(error) => println!("   {event}  [{error}]"),
            None => println!("   {event}"),
        }
    }
}

static PRINT: Print = Print;

// 1. A blocking read that times out twice, then works. `std::io::Error` knows which of its
//    kinds are transient, so no classification is needed.
static CONFIG_READS: AtomicU32 = AtomicU32::new(0);

#[retry(max_attempts = 5, base = "50ms", jitter = "full")]
fn read_config() -> io::Result<String> {
    if CONFIG_READS.fetch_add(1, Ordering::Relaxed) < 2 {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "config server timed out"));
    }
    Ok("max_connections = 64".to_string())
}

// 2. A permanent error is not retried: one attempt, then a give-up.
#[retry(max_attempts = 5, base = "50ms")]
fn read_secret() -> io::Result<String> {
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        "/etc/secret: permission denied",
    ))
}

// 3. An async API that sheds load with 503 + Retry-After. The error type says which failures
//    are transient and how long the server asked us to wait; the hint replaces the backoff.
#[derive(Debug)]
enum ApiError {
    Unavailable { retry_after: Duration },
    NotFound,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unavailable { retry_after } => {
                write!(f, "503 Service Unavailable, Retry-After {retry_after:?}")
            }
            ApiError::NotFound => f.write_str("404 Not Found"),
        }
    }
}

impl std::error::Error for ApiError {}

impl Transient for ApiError {
    fn is_transient(&self) -> bool {
        matches!(self, ApiError::Unavailable { .. })
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Unavailable { retry_after } => Some(*retry_after),
            ApiError::NotFound => None,
        }
    }
}

#[retry(max_attempts = 4, base = "100ms", max_delay = "1s", deadline = "3s", context = attempt)]
async fn fetch_user(id: u64) -> Result<String, ApiError> {
    // The key is the same on every attempt of this call: send it so a retried write lands once.
    let key = attempt.idempotency_key();
    if id == 0 {
        return Err(ApiError::NotFound);
    }
    match attempt.number() {
        1 => Err(ApiError::Unavailable {
            retry_after: Duration::from_millis(300),
        }),
        2 => Err(ApiError::Unavailable {
            retry_after: Duration::from_millis(150),
        }),
        n => Ok(format!(
            "user {id} (attempt {n}, idempotency key {}…)",
            &key.as_str()[..8]
        )),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    set_observer(&PRINT).expect("the first observer installs");
    let started = Instant::now();

    println!("1. read_config(): times out twice, then answers");
    println!("   -> {:?}\n", read_config());

    println!("2. read_secret(): permission denied is permanent, so no retry");
    println!("   -> {:?}\n", read_secret().map_err(|e| e.kind()));

    println!("3. fetch_user(7).await: 503 with Retry-After twice, then 200");
    println!("   -> {:?}\n", fetch_user(7).await);

    println!("4. fetch_user(0).await: 404 is permanent, so no retry");
    println!("   -> {:?}\n", fetch_user(0).await);

    println!("done in {:.1?}", started.elapsed());
}
