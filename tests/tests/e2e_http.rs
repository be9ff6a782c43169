//! `#[retry]` with reqwest against a real HTTP server on loopback that really fails: refused
//! connections, resets, 503 and 429 with `Retry-After`, slow answers, client errors, garbage.
//!
//! Each test declares its own retried function next to its own `Recorder`, so tests running in
//! parallel never see each other's events, and each function reads like a copyable example.
//! Attempts are counted exactly, on both sides: the client's events and the server's log. Delays
//! use real time, so they get lower bounds and generous upper bounds.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use retry_runtime::http::retry_after_response;
use retry_runtime::testing::Recorder;
use retry_runtime::{Attempt, Chain, Elapsed, Event, EventKind, GiveUpReason, Transient, retry};
use retry_tests::fault_server::{Fault, FaultServer, IDEMPOTENCY_KEY, RetryAfter};

use EventKind::{GiveUp, Retry, Success};

/// The error of every retried function here: what reqwest said, or the attempt timed out.
#[derive(Debug)]
enum CallError {
    Http(reqwest::Error),
    TimedOut,
}

impl From<reqwest::Error> for CallError {
    fn from(error: reqwest::Error) -> Self {
        CallError::Http(error)
    }
}

impl From<Elapsed> for CallError {
    fn from(_: Elapsed) -> Self {
        CallError::TimedOut
    }
}

/// reqwest's own classification: refused connections, timeouts and 408/425/429/5xx retry;
/// other statuses and anything that broke after the request was sent do not.
impl Transient for CallError {
    fn is_transient(&self) -> bool {
        match self {
            CallError::Http(error) => error.is_transient(),
            CallError::TimedOut => true,
        }
    }
}

impl CallError {
    fn status(&self) -> Option<u16> {
        match self {
            CallError::Http(error) => error.status().map(|status| status.as_u16()),
            CallError::TimedOut => None,
        }
    }

    /// The request went out and the answer never came back whole: the server may have acted.
    /// reqwest reports an answer cut while `text()` reads it as a decode error; the I/O error
    /// inside tells it from a body that really failed to decode.
    fn lost_in_flight(&self) -> bool {
        match self {
            CallError::Http(error) => {
                let cut_short = (error.is_body() || error.is_decode())
                    && Chain::of_error(error).holds::<std::io::Error>();
                (error.is_request() && !error.is_connect()) || cut_short
            }
            CallError::TimedOut => false,
        }
    }
}

/// For requests that are safe to repeat (a GET, a write with an idempotency key): a lost answer
/// is worth another attempt too.
fn safe_to_repeat(error: &CallError) -> bool {
    error.is_transient() || error.lost_in_flight()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // A fresh connection per request: the server sees attempts in order, and hyper never
        // resends on its own a request that met a stale pooled connection.
        .pool_max_idle_per_host(0)
        // One retry layer: ours. Stacked layers multiply attempts.
        .retry(reqwest::retry::never())
        .build()
        .expect("a client without TLS builds")
}

/// One GET. The server's `Retry-After` becomes the body's hint for the next delay; the loop
/// still caps it at `max_delay` and the deadline.
async fn get(client: &reqwest::Client, url: &str, attempt: &Attempt) -> Result<String, CallError> {
    let response = client.get(url).send().await?;
    if let Some(wait) = retry_after_response(&response) {
        attempt.retry_after(wait);
    }
    Ok(response.error_for_status()?.text().await?)
}

/// Fails the test rather than hang it, whatever the server does.
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call ends by itself")
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(Event::kind).collect()
}

fn delays(events: &[Event]) -> Vec<Duration> {
    events.iter().filter_map(Event::delay).collect()
}

/// The time between consecutive requests, as the server saw them.
fn gaps(arrivals: &[Instant]) -> Vec<Duration> {
    arrivals.windows(2).map(|pair| pair[1] - pair[0]).collect()
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[tokio::test]
async fn connections_refused_until_the_server_starts_are_retried() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "250ms", backoff = "constant", jitter = "none",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    // Attempts at about 0, 250 and 500ms; the port opens at 375ms, halfway between two of them.
    let server = FaultServer::start_late(ms(375), []).await;
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("served once up");

    assert_eq!(body, "done");
    assert_eq!(kinds(&EVENTS.events()), [Retry, Retry, Success]);
    assert_eq!(server.requests(), 1, "refused attempts never reach the server");
}

#[tokio::test]
async fn a_get_reset_mid_response_is_retried() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "20ms", jitter = "none", when = safe_to_repeat,
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::ResetMidResponse]).await;
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("the second answer is whole");

    assert_eq!(body, "done");
    assert_eq!(kinds(&EVENTS.events()), [Retry, Success]);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_connection_lost_after_the_request_is_not_retried_by_default() {
    static EVENTS: Recorder = Recorder::new();
    // No `when`: reqwest's `Transient` refuses to guess whether the server acted.
    #[retry(max_attempts = 3, base = "20ms", observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::ResetAfterCommit]).await;
    let error = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect_err("reset");

    assert!(error.lost_in_flight(), "{error:?}");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [GiveUp]);
    assert_eq!(events[0].reason(), Some(GiveUpReason::NotRetryable));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn retry_after_in_seconds_replaces_the_backoff() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", max_delay = "5s",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::Status(503, Some(RetryAfter::Seconds(1)))]).await;
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 after the wait");

    assert_eq!(body, "done");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [Retry, Success]);
    assert_eq!(
        delays(&events),
        [Duration::from_secs(1)],
        "the hint, not the 10ms backoff"
    );
    let gap = gaps(&server.arrivals())[0];
    assert!(
        gap >= Duration::from_secs(1) && gap < Duration::from_secs(3),
        "{gap:?}"
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", max_delay = "5s",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let in_two_seconds = RetryAfter::DateIn(Duration::from_secs(2));
    let server = FaultServer::start([Fault::Status(503, Some(in_two_seconds))]).await;
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 after the wait");

    assert_eq!(body, "done");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [Retry, Success]);
    // The date has whole seconds, so "in 2s" means somewhere in the next 1 to 2 seconds.
    let delay = delays(&events)[0];
    assert!(delay >= ms(900) && delay <= Duration::from_secs(2), "{delay:?}");
    let gap = gaps(&server.arrivals())[0];
    assert!(gap >= delay && gap < Duration::from_secs(4), "{gap:?}");
}

#[tokio::test]
async fn a_retry_after_of_zero_or_in_the_past_retries_at_once() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "500ms", jitter = "none", observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([
        Fault::Status(503, Some(RetryAfter::Seconds(0))),
        Fault::Status(503, Some(RetryAfter::Raw("Sun, 06 Nov 1994 08:49:37 GMT"))),
    ])
    .await;
    let started = Instant::now();
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 on the third");

    assert_eq!(body, "done");
    assert_eq!(delays(&EVENTS.events()), [Duration::ZERO, Duration::ZERO]);
    assert!(started.elapsed() < ms(500), "the 500ms backoff was not used");
}

#[tokio::test]
async fn a_long_retry_after_on_429_is_capped_at_max_delay() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", max_delay = "300ms",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::Status(429, Some(RetryAfter::Seconds(3600)))]).await;
    let started = Instant::now();
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 after the cap");

    assert_eq!(body, "done");
    assert_eq!(delays(&EVENTS.events()), [ms(300)]);
    assert!(started.elapsed() >= ms(300) && started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn too_many_requests_without_a_hint_backs_off_and_recovers() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "50ms", jitter = "none", observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::Status(429, None), Fault::Status(429, None)]).await;
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 on the third");

    assert_eq!(body, "done");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [Retry, Retry, Success]);
    assert_eq!(delays(&events), [ms(50), ms(100)]);
    let gaps = gaps(&server.arrivals());
    assert!(gaps[0] >= ms(50) && gaps[1] >= ms(100), "{gaps:?}");
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_gives_up_at_once() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", max_delay = "5s", deadline = "500ms",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::Status(503, Some(RetryAfter::Seconds(1)))]).await;
    let started = Instant::now();
    let error = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect_err("no time to wait");

    assert_eq!(error.status(), Some(503));
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [GiveUp]);
    assert_eq!(events[0].reason(), Some(GiveUpReason::Deadline));
    assert!(started.elapsed() < ms(900), "did not sleep toward the hint");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn answers_slower_than_the_attempt_timeout_are_cut_and_retried() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", attempt_timeout = "200ms",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let slow = Fault::Slow(Duration::from_secs(5));
    let server = FaultServer::start([slow.clone(), slow.clone()]).await;
    let started = Instant::now();
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("the third is fast");
    assert_eq!(body, "done");
    assert_eq!(kinds(&EVENTS.events()), [Retry, Retry, Success]);
    assert!(started.elapsed() >= ms(400) && started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests(), 3);

    EVENTS.clear();
    let server = FaultServer::start([slow.clone(), slow.clone(), slow]).await;
    let started = Instant::now();
    let error = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect_err("always slow");
    assert!(matches!(error, CallError::TimedOut), "{error:?}");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [Retry, Retry, GiveUp]);
    assert_eq!(events[2].reason(), Some(GiveUpReason::Exhausted));
    assert!(started.elapsed() >= ms(600) && started.elapsed() < Duration::from_secs(4));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn the_deadline_shortens_the_attempt_timeout() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", attempt_timeout = "2s", deadline = "300ms",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let server = FaultServer::start([Fault::Slow(Duration::from_secs(5))]).await;
    let started = Instant::now();
    let error = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect_err("cut at the deadline");

    assert!(matches!(error, CallError::TimedOut), "{error:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= ms(300) && elapsed < Duration::from_secs(1),
        "{elapsed:?}"
    );
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [GiveUp]);
    assert_eq!(events[0].reason(), Some(GiveUpReason::Deadline));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "10ms", when = safe_to_repeat, observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    for status in [400, 401] {
        EVENTS.clear();
        // Even with a Retry-After: a 4xx other than 408/425/429 is the request's fault.
        let server = FaultServer::start([Fault::Status(status, Some(RetryAfter::Seconds(1)))]).await;
        let error = bounded(fetch(&client(), &server.url("/")))
            .await
            .expect_err("refused");

        assert_eq!(error.status(), Some(status));
        let events = EVENTS.events();
        assert_eq!(kinds(&events), [GiveUp], "{status}");
        assert_eq!(events[0].reason(), Some(GiveUpReason::NotRetryable));
        assert_eq!(server.requests(), 1, "{status}");
    }
}

/// A POST that is safe to repeat because every attempt carries the call's idempotency key.
#[retry(max_attempts = 3, base = "20ms", jitter = "none", when = safe_to_repeat, context = attempt)]
async fn create_order(
    client: &reqwest::Client,
    url: &str,
    order: &str,
    keys_sent: &Mutex<Vec<String>>,
) -> Result<String, CallError> {
    let key = attempt.idempotency_key().as_str();
    keys_sent.lock().unwrap().push(key.to_string());
    let request = client
        .post(url)
        .header(IDEMPOTENCY_KEY, key)
        .body(order.to_string());
    Ok(request.send().await?.error_for_status()?.text().await?)
}

#[tokio::test]
async fn a_post_reset_after_commit_is_applied_once_thanks_to_the_idempotency_key() {
    let server = FaultServer::start([Fault::ResetAfterCommit]).await;
    let (client, url) = (client(), server.url("/orders"));
    let keys = Mutex::new(Vec::new());

    // The server applies the order, then the connection resets before the answer: the retry
    // carries the same key, and the server answers from its record instead of applying again.
    let answer = bounded(create_order(&client, &url, "1 book", &keys)).await;
    assert_eq!(answer.expect("the retry is answered"), "replayed");
    let first: Vec<String> = keys.lock().unwrap().drain(..).collect();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0], first[1], "one key for every attempt of a call");
    assert_eq!(server.requests_with_key(&first[0]), 2);
    assert_eq!(server.applied_with_key(&first[0]), 1);
    assert_eq!(server.writes_applied(), 1);

    // Another call is another order: a new key, applied.
    let answer = bounded(create_order(&client, &url, "2 pens", &keys)).await;
    assert_eq!(answer.expect("applied"), "done");
    let second = keys.lock().unwrap().clone();
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first[0], "a new key for every call");
    assert_eq!(server.writes_applied(), 2);
}

#[tokio::test]
async fn without_the_key_the_same_retried_post_is_applied_twice() {
    // The control for the test above: it shows the server really applied the first attempt.
    #[retry(max_attempts = 3, base = "20ms", jitter = "none", when = safe_to_repeat)]
    async fn create_order_unkeyed(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        let request = client.post(url).body("1 book");
        Ok(request.send().await?.error_for_status()?.text().await?)
    }

    let server = FaultServer::start([Fault::ResetAfterCommit]).await;
    let answer = bounded(create_order_unkeyed(&client(), &server.url("/orders"))).await;

    assert_eq!(answer.expect("the retry is answered"), "done");
    assert_eq!(server.writes_applied(), 2, "a duplicate order");
}

#[tokio::test]
async fn a_garbage_status_line_fails_the_attempt_without_hanging() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", when = safe_to_repeat,
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let garbage = [
        Fault::Garbage(b"HTTP/1.1 abc Whatever\r\n\r\n"),
        Fault::Garbage(b"\x00\xff\r\n\r\n"),
        Fault::Garbage(b"SSH-2.0-OpenSSH_9.2\r\n"),
    ];
    let server = FaultServer::start(garbage).await;
    let error = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect_err("never valid");

    assert!(error.lost_in_flight(), "{error:?}");
    let events = EVENTS.events();
    assert_eq!(kinds(&events), [Retry, Retry, GiveUp]);
    assert_eq!(events[2].reason(), Some(GiveUpReason::Exhausted));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_malformed_retry_after_is_ignored_for_the_backoff() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "50ms", jitter = "none", observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    for value in ["-5", "1.5", "soon", "Sun, 31 Nov 2100 00:00:00 GMT"] {
        EVENTS.clear();
        let server = FaultServer::start([Fault::Status(503, Some(RetryAfter::Raw(value)))]).await;
        let body = bounded(fetch(&client(), &server.url("/")))
            .await
            .expect("200 on the second");

        assert_eq!(body, "done", "{value}");
        assert_eq!(
            delays(&EVENTS.events()),
            [ms(50)],
            "{value}: the computed backoff"
        );
    }
}

#[tokio::test]
async fn a_retry_after_ten_years_away_is_capped_in_both_forms() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", max_delay = "200ms",
            observer = EVENTS, context = attempt)]
    async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, CallError> {
        get(client, url, attempt).await
    }

    let ten_years = Duration::from_secs(10 * 365 * 86_400);
    let server = FaultServer::start([
        Fault::Status(503, Some(RetryAfter::Seconds(ten_years.as_secs()))),
        Fault::Status(503, Some(RetryAfter::DateIn(ten_years))),
    ])
    .await;
    let started = Instant::now();
    let body = bounded(fetch(&client(), &server.url("/")))
        .await
        .expect("200 on the third");

    assert_eq!(body, "done");
    assert_eq!(delays(&EVENTS.events()), [ms(200), ms(200)]);
    assert!(started.elapsed() < Duration::from_secs(3));
}
