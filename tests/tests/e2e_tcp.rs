//! `#[retry]` on a TCP client while the service behind it restarts: the listener closes, open
//! connections are cut, connections are refused for a while, then it listens again on the same
//! port. Clients under load keep a 100 % success rate across the restart, within the deadline.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use retry_runtime::testing::Recorder;
use retry_runtime::{EventKind, GiveUpReason, retry};
use retry_tests::tcp_service::LineService;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection, opened on first use and after any failure.
struct LineClient {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
}

impl LineClient {
    fn new(addr: SocketAddr) -> Self {
        LineClient { addr, stream: None }
    }

    /// One request and its answer. Every failure here is an `io::Error` whose kind says whether
    /// it is transient (refused, reset, broken pipe, end of stream), so `#[retry]` needs no
    /// classification of its own.
    async fn exchange(&mut self, line: &str) -> io::Result<String> {
        let result = self.try_exchange(line).await;
        if result.is_err() {
            // Whatever broke, this connection may be half-used: the next attempt starts afresh.
            self.stream = None;
        }
        result
    }

    async fn try_exchange(&mut self, line: &str) -> io::Result<String> {
        if self.stream.is_none() {
            self.stream = Some(BufReader::new(TcpStream::connect(self.addr).await?));
        }
        let stream = self.stream.as_mut().expect("connected above");
        stream.get_mut().write_all(format!("{line}\n").as_bytes()).await?;
        let mut answer = String::new();
        if stream.read_line(&mut answer).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(answer.trim_end().to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_under_load_see_no_failure_across_a_restart() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(deadline = "3s", base = "10ms", max_delay = "100ms", attempt_timeout = "500ms",
            observer = EVENTS)]
    async fn ask(client: &mut LineClient, line: &str) -> io::Result<String> {
        client.exchange(line).await
    }

    const CLIENTS: usize = 4;
    const CALLS: usize = 150;
    let mut service = LineService::start_new().await;
    let addr = service.addr();

    // Each client calls every few milliseconds for about a second, well past the restart.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            tokio::spawn(async move {
                let mut client = LineClient::new(addr);
                let (mut answered, mut slowest) = (0, Duration::ZERO);
                for n in 0..CALLS {
                    let line = format!("{id}-{n}");
                    let started = Instant::now();
                    let answer = ask(&mut client, &line).await.expect("every call succeeds");
                    assert_eq!(answer, format!("ok {line}"));
                    slowest = slowest.max(started.elapsed());
                    answered += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                (answered, slowest)
            })
        })
        .collect();

    // The restart: down for 300ms, a quarter of the way into the run.
    tokio::time::sleep(Duration::from_millis(200)).await;
    service.stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    service.start().await;

    let mut slowest = Duration::ZERO;
    let mut answered = 0;
    for client in clients {
        let (count, slowest_call) = client.await.expect("a client finished");
        answered += count;
        slowest = slowest.max(slowest_call);
    }
    assert_eq!(answered, CLIENTS * CALLS, "success rate 100 %");
    let events = EVENTS.events();
    let retries = events.iter().filter(|e| e.kind() == EventKind::Retry).count();
    assert!(
        retries >= CLIENTS,
        "every client met the restart: {retries} retries"
    );
    assert!(events.iter().all(|e| e.kind() != EventKind::GiveUp));
    // The calls that met the restart waited about as long as it lasted, never the deadline.
    assert!(slowest >= Duration::from_millis(100), "{slowest:?}");
    assert!(slowest < Duration::from_secs(3), "{slowest:?}");
    assert!(service.answered() >= (CLIENTS * CALLS) as u64);
}

#[tokio::test]
async fn a_service_down_past_the_deadline_gives_up_in_time() {
    static EVENTS: Recorder = Recorder::new();
    #[retry(deadline = "400ms", base = "20ms", max_delay = "100ms", observer = EVENTS)]
    async fn ask(client: &mut LineClient, line: &str) -> io::Result<String> {
        client.exchange(line).await
    }

    let mut service = LineService::start_new().await;
    let mut client = LineClient::new(service.addr());
    assert_eq!(ask(&mut client, "hello").await.expect("up"), "ok hello");
    service.stop().await;

    let started = Instant::now();
    let error = ask(&mut client, "hello").await.expect_err("down for good");
    let elapsed = started.elapsed();

    // The cut connection first (end of stream or reset), then refusals.
    assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    let events = EVENTS.events();
    let last = events.last().expect("events");
    assert_eq!(last.kind(), EventKind::GiveUp);
    assert_eq!(last.reason(), Some(GiveUpReason::Deadline));
    assert!(events.len() >= 3, "retried until the deadline: {}", events.len());
    // No sleep ends past the deadline; the give-up comes before it.
    assert!(elapsed < Duration::from_millis(450), "{elapsed:?}");
}
