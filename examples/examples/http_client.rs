//! `cargo run --example http_client`: a reqwest client retrying against a server that sheds load.
//!
//! The example starts its own HTTP/1.1 server on 127.0.0.1 (an ephemeral port): it answers the
//! first two requests with `503 Service Unavailable` and `Retry-After: 1`, then `200 OK`. The
//! retried function reads the header, so each wait is the server's one second rather than the
//! policy's backoff. Finishes in about two seconds; the server stops after three requests.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use retry_runtime::http::{is_retryable_status, retry_after_response};
use retry_runtime::{ErrorView, Event, Observer, Transient, retry, set_observer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// When `main` started, for the timestamps.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Prints each event of every retried call, with the error that caused it.
struct Print;

static PRINT: Print = Print;

impl Observer for Print {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        let at = STARTED
            .get()
            .map_or(0.0, |started| started.elapsed().as_secs_f64());
        match error {
            Some(error) => println!("   [{at:4.1}s] {event}  ({error})"),
            None => println!("   [{at:4.1}s] {event}"),
        }
    }
}

/// Why a fetch failed: the server said no, or the request never got an answer.
#[derive(Debug)]
enum FetchError {
    Status {
        status: reqwest::StatusCode,
        retry_after: Option<Duration>,
    },
    Transport(reqwest::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status {
                status,
                retry_after: Some(wait),
            } => write!(f, "{status}, Retry-After {wait:?}"),
            FetchError::Status { status, .. } => write!(f, "{status}"),
            FetchError::Transport(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// The classification `#[retry]` uses: retryable statuses and reqwest's own transient errors
/// (connect failures, timeouts) are worth another attempt, and the server's `Retry-After`
/// replaces the computed delay.
impl Transient for FetchError {
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => is_retryable_status(status.as_u16()),
            FetchError::Transport(error) => error.is_transient(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            FetchError::Transport(_) => None,
        }
    }
}

#[retry(max_attempts = 5, base = "100ms", max_delay = "2s", deadline = "10s")]
async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, FetchError> {
    let response = client.get(url).send().await.map_err(FetchError::Transport)?;
    let status = response.status();
    if !status.is_success() {
        // Read before the response is consumed: the header is the server's hint.
        let retry_after = retry_after_response(&response);
        return Err(FetchError::Status { status, retry_after });
    }
    response.text().await.map_err(FetchError::Transport)
}

/// Answers `requests` connections, then returns: the first two get a 503, the rest a 200.
async fn serve(listener: TcpListener, requests: u32) {
    for n in 1..=requests {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        // One read is enough for a GET this small; the request itself is not needed.
        let mut request = [0; 4096];
        let _ = stream.read(&mut request).await;
        let response = if n <= 2 {
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_string()
        } else {
            let body = r#"{"inventory": "full"}"#;
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        };
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = *STARTED.get_or_init(Instant::now);
    set_observer(&PRINT).expect("the first observer installs");

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = format!(
        "http://{}/inventory",
        listener.local_addr().expect("local address")
    );
    let server = tokio::spawn(serve(listener, 3));

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client without TLS builds");

    println!("GET {url}: the server answers 503 with Retry-After: 1 twice, then 200");
    match fetch(&client, &url).await {
        Ok(body) => println!("   -> 200 OK: {body}"),
        Err(error) => println!("   -> gave up: {error}"),
    }
    // The server stops by itself after three requests; don't wait long if a retry went missing.
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    println!("done in {:.1?}", started.elapsed());
}
