//! A loopback HTTP/1.1 server that fails on a script, for the end-to-end tests.
//!
//! Each request takes the next [`Fault`] from the script; once the script is spent, requests get
//! `200 OK`. The server counts requests, the requests carrying each `Idempotency-Key`, and the
//! writes it applied, so a test can tell "retried" from "applied twice".
//!
//! hyper speaks HTTP for the well-formed answers. The faults HTTP cannot express (a reset, a
//! garbage status line) go around hyper, through a second descriptor of the same socket.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

/// The header the server deduplicates writes by.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status and an empty body, with a `Retry-After` header if given. A
    /// status answer is a refusal: the write is not applied.
    Status(u16, Option<RetryAfter>),
    /// Apply the write, then answer `200 OK` only after this long.
    Slow(Duration),
    /// Apply the write, then reset the connection before any byte of the answer: the lost
    /// response that makes retried writes dangerous.
    ResetAfterCommit,
    /// Apply the write, send the headers and part of the body, then reset the connection.
    ResetMidResponse,
    /// Answer with these bytes instead of an HTTP response, then close.
    Garbage(&'static [u8]),
}

/// A `Retry-After` value, formatted when the answer is sent.
#[derive(Clone, Debug)]
pub enum RetryAfter {
    /// Delay-seconds, `Retry-After: 1`.
    Seconds(u64),
    /// An IMF-fixdate this far from the moment of the answer. The header has whole seconds,
    /// so the client sees between `d - 1s` and `d`.
    DateIn(Duration),
    /// The value as is, well-formed or not (`"-5"`).
    Raw(&'static str),
}

impl RetryAfter {
    fn header_value(&self) -> HeaderValue {
        let text = match self {
            RetryAfter::Seconds(seconds) => seconds.to_string(),
            RetryAfter::DateIn(ahead) => httpdate::fmt_http_date(SystemTime::now() + *ahead),
            RetryAfter::Raw(raw) => (*raw).to_string(),
        };
        HeaderValue::from_str(&text).expect("test Retry-After values are visible ASCII")
    }
}

/// What the server has seen, shared by the connections and the test.
#[derive(Debug, Default)]
struct Log {
    script: VecDeque<Fault>,
    arrivals: Vec<Instant>,
    requests_by_key: HashMap<String, usize>,
    applied_by_key: HashMap<String, usize>,
    writes_applied: usize,
}

/// A running fault server; dropping it stops the server and every connection it holds.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Starts serving `script` on an ephemeral loopback port.
    pub async fn start(script: impl IntoIterator<Item = Fault>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let log = Arc::new(Mutex::new(Log::with_script(script)));
        let task = tokio::spawn(serve(Listening::Now(listener), Arc::clone(&log)));
        FaultServer { addr, log, task }
    }

    /// Holds a loopback port and listens on it only after `delay`: until then every connection
    /// is refused, like a service that is still starting.
    pub async fn start_late(delay: Duration, script: impl IntoIterator<Item = Fault>) -> Self {
        let (socket, addr) = crate::tcp_service::reserve_loopback_port();
        let log = Arc::new(Mutex::new(Log::with_script(script)));
        let task = tokio::spawn(serve(Listening::After(delay, socket), Arc::clone(&log)));
        FaultServer { addr, log, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests received, of every kind.
    pub fn requests(&self) -> usize {
        self.log().arrivals.len()
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<Instant> {
        self.log().arrivals.clone()
    }

    /// Requests that carried `Idempotency-Key: key`.
    pub fn requests_with_key(&self, key: &str) -> usize {
        self.log().requests_by_key.get(key).copied().unwrap_or(0)
    }

    /// How many times the write keyed `key` was applied: 1 at most, whatever the retries.
    pub fn applied_with_key(&self, key: &str) -> usize {
        self.log().applied_by_key.get(key).copied().unwrap_or(0)
    }

    /// Writes applied in all, keyed or not.
    pub fn writes_applied(&self) -> usize {
        self.log().writes_applied
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        lock(&self.log)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        // The accept task owns the connections' JoinSet, so this ends them too.
        self.task.abort();
    }
}

impl Log {
    fn with_script(script: impl IntoIterator<Item = Fault>) -> Self {
        Log {
            script: script.into_iter().collect(),
            ..Log::default()
        }
    }

    /// Records one request and says what to do with it. A POST is a write: it is applied
    /// unless the fault refuses it, and applied once per idempotency key.
    fn admit(&mut self, method: &Method, key: Option<&str>) -> Admitted {
        self.arrivals.push(Instant::now());
        if let Some(key) = key {
            *self.requests_by_key.entry(key.to_string()).or_default() += 1;
        }
        let fault = self.script.pop_front();
        let refused = matches!(fault, Some(Fault::Status(..) | Fault::Garbage(_)));
        let mut replayed = false;
        if *method == Method::POST && !refused {
            match key {
                Some(key) if self.applied_by_key.contains_key(key) => replayed = true,
                Some(key) => {
                    self.applied_by_key.insert(key.to_string(), 1);
                    self.writes_applied += 1;
                }
                None => self.writes_applied += 1,
            }
        }
        Admitted { fault, replayed }
    }
}

struct Admitted {
    fault: Option<Fault>,
    /// The write was applied by an earlier request with the same key.
    replayed: bool,
}

fn lock(log: &Mutex<Log>) -> MutexGuard<'_, Log> {
    // A test that panicked while holding the lock has failed already; keep serving the rest.
    log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

enum Listening {
    Now(TcpListener),
    /// A bound socket that refuses connections until it listens.
    After(Duration, TcpSocket),
}

async fn serve(listening: Listening, log: Arc<Mutex<Log>>) {
    let listener = match listening {
        Listening::Now(listener) => listener,
        Listening::After(delay, socket) => {
            tokio::time::sleep(delay).await;
            socket
                .listen(crate::tcp_service::BACKLOG)
                .expect("listen on the reserved port")
        }
    };
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, Arc::clone(&log)));
                }
                Err(_) => continue,
            },
            // Reap finished connections so a long test doesn't accumulate them.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What a request asks its connection to do, past what hyper can say.
enum Break {
    Reset,
    Write(&'static [u8]),
}

type Answer = Response<BoxBody<Bytes, Infallible>>;

async fn connection(stream: TcpStream, log: Arc<Mutex<Log>>) {
    let Ok((stream, side_door)) = split_descriptor(stream) else {
        return;
    };
    let (breaks, mut broken) = mpsc::unbounded_channel();
    let service = service_fn(move |request| answer(request, Arc::clone(&log), breaks.clone()));
    let mut http = Box::pin(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    let order = tokio::select! {
        _ = &mut http => return,
        Some(order) = broken.recv() => order,
    };
    let Ok(mut side_door) = TcpStream::from_std(side_door) else {
        return;
    };
    match order {
        Break::Reset => {
            // With a zero linger, the last close sends RST instead of FIN.
            let _ = side_door.set_zero_linger();
            drop(http);
        }
        Break::Write(bytes) => {
            drop(http);
            let _ = side_door.write_all(bytes).await;
            let _ = side_door.shutdown().await;
        }
    }
}

/// Two descriptors of one socket: hyper owns the first, the faults use the second. The socket
/// closes when both are dropped.
fn split_descriptor(stream: TcpStream) -> io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let side_door = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, side_door))
}

async fn answer(
    request: Request<Incoming>,
    log: Arc<Mutex<Log>>,
    breaks: mpsc::UnboundedSender<Break>,
) -> Result<Answer, Infallible> {
    let key = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    // The write is the body; reading it all first means a reset can't come before it arrived.
    let (head, body) = request.into_parts();
    let _ = body.collect().await;
    let admitted = lock(&log).admit(&head.method, key.as_deref());
    let ok_body = if admitted.replayed { "replayed" } else { "done" };
    match admitted.fault {
        None => Ok(text(StatusCode::OK, ok_body)),
        Some(Fault::Status(status, retry_after)) => {
            let status = StatusCode::from_u16(status).expect("a valid test status");
            let mut response = text(status, "");
            if let Some(retry_after) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, retry_after.header_value());
            }
            Ok(response)
        }
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(text(StatusCode::OK, ok_body))
        }
        Some(Fault::ResetAfterCommit) => {
            let _ = breaks.send(Break::Reset);
            std::future::pending().await
        }
        Some(Fault::ResetMidResponse) => {
            // Give hyper time to flush the head and the first bytes before the reset.
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                let _ = breaks.send(Break::Reset);
            });
            let mut response = Response::new(Truncated::default().boxed());
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(1000));
            Ok(response)
        }
        Some(Fault::Garbage(bytes)) => {
            let _ = breaks.send(Break::Write(bytes));
            std::future::pending().await
        }
    }
}

fn text(status: StatusCode, body: &'static str) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())).boxed());
    *response.status_mut() = status;
    response
}

/// A body that sends its first bytes and then never finishes: the reset ends it.
#[derive(Default)]
struct Truncated {
    sent: bool,
}

impl Body for Truncated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent {
            return Poll::Pending;
        }
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"partial")))))
    }
}
