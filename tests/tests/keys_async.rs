//! The async side of the attribute, on paused tokio time: every sleep moves the clock by exactly
//! what was slept, so elapsed times below are exact, and a test that "waits" an hour takes no
//! real time. `tokio::time::Instant` measures that simulated time; `std::time::Instant` does not.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{
    AsyncSleeper, Attempt, Elapsed, EventKind, GiveUpReason, IdempotencyKey, Jitter, Policy, retry,
};
use tokio::time::Instant;

use retry_tests::trace::{gave_up, ms, retried, succeeded, trace};

/// An application error with room for a timed-out attempt, as `attempt_timeout` requires.
#[derive(Debug, PartialEq)]
enum ApiError {
    TimedOut(Elapsed),
    Down,
}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::TimedOut(_) => f.write_str("api timed out"),
            ApiError::Down => f.write_str("api down"),
        }
    }
}

impl Error for ApiError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ApiError::TimedOut(e) => Some(e),
            ApiError::Down => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// attempt_timeout

#[tokio::test(start_paused = true)]
async fn attempt_timeout_cuts_a_slow_attempt_then_a_fast_one_succeeds() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", attempt_timeout = "50ms", observer = REC)]
    async fn fetch(calls: &mut u32) -> Result<u32, ApiError> {
        *calls += 1;
        if *calls == 1 {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        Ok(*calls)
    }

    let start = Instant::now();
    let mut calls = 0;
    assert_eq!(fetch(&mut calls).await, Ok(2));
    // 50ms until the first attempt is cut, 10ms of backoff, an instant second attempt.
    assert_eq!(start.elapsed(), ms(60));
    assert_eq!(trace(&REC), [retried(1, 10), succeeded(2)]);
    assert_eq!(
        REC.events()[0].error_type(),
        Some(std::any::type_name::<ApiError>())
    );
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_error_is_the_elapsed_conversion() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", attempt_timeout = "50ms", observer = REC)]
    async fn hang() -> Result<(), ApiError> {
        std::future::pending::<()>().await;
        Err(ApiError::Down)
    }

    let start = Instant::now();
    assert_eq!(hang().await, Err(ApiError::TimedOut(Elapsed)));
    assert_eq!(start.elapsed(), ms(50 + 10 + 50 + 20 + 50));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 10),
            retried(2, 20),
            gave_up(3, GiveUpReason::Exhausted)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_into_io_error_is_transient() {
    static REC: Recorder = Recorder::new();
    // io::Error is classified by kind: a timeout converts to TimedOut, which is retried.
    #[retry(max_attempts = 2, base = "5ms", jitter = "none", attempt_timeout = "20ms", observer = REC)]
    async fn read() -> io::Result<()> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(())
    }

    let start = Instant::now();
    let err = read().await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.get_ref().unwrap().is::<Elapsed>());
    assert_eq!(start.elapsed(), ms(20 + 5 + 20));
    assert_eq!(trace(&REC), [retried(1, 5), gave_up(2, GiveUpReason::Exhausted)]);
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_is_found_by_on() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "5ms", jitter = "none", attempt_timeout = "20ms", on = Elapsed, observer = REC)]
    async fn fetch(calls: &mut u32) -> Result<(), ApiError> {
        *calls += 1;
        if *calls < 3 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Err(ApiError::Down)
    }

    let mut calls = 0;
    assert_eq!(fetch(&mut calls).await, Err(ApiError::Down));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 5),
            retried(2, 10),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_on_an_option_gives_none() {
    #[retry(max_attempts = 2, base = "5ms", jitter = "none", attempt_timeout = "20ms")]
    async fn find() -> Option<u32> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Some(1)
    }

    let start = Instant::now();
    assert_eq!(find().await, None);
    assert_eq!(start.elapsed(), ms(45));
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_leaves_fast_attempts_alone() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "5ms", jitter = "none", attempt_timeout = "50ms", observer = REC)]
    async fn fetch() -> Result<u32, ApiError> {
        tokio::time::sleep(ms(49)).await;
        Ok(1)
    }

    let start = Instant::now();
    assert_eq!(fetch().await, Ok(1));
    assert_eq!(start.elapsed(), ms(49));
    assert!(REC.events().is_empty());
}

// ---------------------------------------------------------------------------------------------
// deadline

#[tokio::test(start_paused = true)]
async fn deadline_on_paused_time_gives_up_at_the_exact_time() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 10, base = "10ms", deadline = "100ms", jitter = "none", observer = REC)]
    async fn fetch() -> Result<(), ApiError> {
        Err(ApiError::Down)
    }

    let start = Instant::now();
    assert!(fetch().await.is_err());
    // Slept 10 + 20 + 40 = 70ms; the next 80ms would end at 150ms, past the deadline.
    assert_eq!(start.elapsed(), ms(70));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 10),
            retried(2, 20),
            retried(3, 40),
            gave_up(4, GiveUpReason::Deadline)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn deadline_shortens_the_attempt_timeout_on_paused_time() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", deadline = "100ms", attempt_timeout = "1s", jitter = "none", observer = REC)]
    async fn fetch() -> Result<(), ApiError> {
        std::future::pending::<()>().await;
        Ok(())
    }

    let start = Instant::now();
    assert_eq!(fetch().await, Err(ApiError::TimedOut(Elapsed)));
    // The first attempt may run only until the deadline; no time is left to retry.
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::Deadline)]);
}

#[tokio::test]
async fn deadline_on_real_time_bounds_the_call() {
    static REC: Recorder = Recorder::new();
    // Real time, in short steps: the deadline alone limits the attempts.
    #[retry(deadline = "60ms", base = "2ms", backoff = "constant", jitter = "none", observer = REC)]
    async fn fetch(calls: &mut u32) -> Result<(), ApiError> {
        *calls += 1;
        assert!(*calls < 1_000, "the deadline did not stop the loop");
        Err(ApiError::Down)
    }

    let start = std::time::Instant::now();
    let mut calls = 0;
    assert!(fetch(&mut calls).await.is_err());
    let took = start.elapsed();
    assert!(calls > 3, "{calls}");
    let events = REC.events();
    let (last, retries) = events.split_last().unwrap();
    assert_eq!(last.reason(), Some(GiveUpReason::Deadline));
    assert!(retries.iter().all(|e| e.elapsed() + e.delay().unwrap() <= ms(60)));
    assert!(took >= ms(58) && took < ms(2_000), "{took:?}");
}

// ---------------------------------------------------------------------------------------------
// Methods, context, Send

#[derive(Default)]
struct Client {
    calls: u32,
    log: Vec<u32>,
    keys: Vec<IdempotencyKey>,
}

static CLIENT_REC: Recorder = Recorder::new();

impl Client {
    #[retry(max_attempts = 4, base = "10ms", jitter = "none", observer = CLIENT_REC)]
    async fn get(&mut self, id: u32) -> Result<u32, io::Error> {
        self.calls += 1;
        self.log.push(id);
        tokio::task::yield_now().await;
        if self.calls < 3 {
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        Ok(id * 10)
    }

    #[retry(max_attempts = 3, base = "1ms", jitter = "none", attempt_timeout = "1s", context = attempt)]
    async fn put(&mut self, value: u32) -> Result<u32, io::Error> {
        self.calls += 1;
        let number = attempt.number();
        // `&Attempt` lives across this await, and the future must stay Send.
        tokio::time::sleep(ms(1)).await;
        assert_eq!(attempt.number(), number);
        self.keys.push(*attempt.idempotency_key());
        if attempt.is_retry() {
            Ok(value + number)
        } else {
            Err(io::ErrorKind::TimedOut.into())
        }
    }
}

#[tokio::test(start_paused = true)]
async fn mut_self_methods_keep_state_across_attempts() {
    let mut client = Client::default();
    let start = Instant::now();
    assert_eq!(client.get(4).await.unwrap(), 40);
    assert_eq!(start.elapsed(), ms(10 + 20));
    assert_eq!(client.calls, 3);
    assert_eq!(client.log, [4, 4, 4]);
    assert_eq!(trace(&CLIENT_REC), [retried(1, 10), retried(2, 20), succeeded(3)]);
}

#[tokio::test(start_paused = true)]
async fn context_survives_await_points() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", jitter = "none", context = attempt, observer = REC)]
    async fn fetch(seen: &mut Vec<(u32, IdempotencyKey)>) -> Result<u32, ApiError> {
        let number = attempt.number();
        tokio::time::sleep(ms(5)).await;
        assert_eq!(attempt.number(), number);
        seen.push((number, *attempt.idempotency_key()));
        match number {
            1 => {
                attempt.retry_after(ms(3));
                Err(ApiError::Down)
            }
            2 => Err(ApiError::Down),
            _ => Ok(number),
        }
    }

    let start = Instant::now();
    let mut seen = Vec::new();
    assert_eq!(fetch(&mut seen).await, Ok(3));
    // Three 5ms attempts, the hinted 3ms, then the schedule's second delay.
    assert_eq!(start.elapsed(), ms(5 + 3 + 5 + 20 + 5));
    assert_eq!(trace(&REC), [retried(1, 3), retried(2, 20), succeeded(3)]);
    let numbers: Vec<_> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert!(seen.iter().all(|(_, k)| *k == seen[0].1));

    let mut again = Vec::new();
    let _ = fetch(&mut again).await;
    assert_ne!(again[0].1, seen[0].1, "a new call gets a new key");
}

#[tokio::test(start_paused = true)]
async fn context_stop_is_final_in_async_fns() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", jitter = "none", context = attempt, observer = REC)]
    async fn fetch() -> Result<(), ApiError> {
        tokio::task::yield_now().await;
        attempt.stop();
        Err(ApiError::Down)
    }

    let start = Instant::now();
    assert!(fetch().await.is_err());
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)]);
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_mut_self_futures_are_send() {
    let handle = tokio::spawn(async {
        let mut client = Client::default();
        let put = assert_send(client.put(5)).await.unwrap();
        (put, client.calls, client.keys)
    });
    let (put, calls, keys) = handle.await.unwrap();
    assert_eq!(put, 7);
    assert_eq!(calls, 2);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);

    // Primed to succeed at once, so that this test adds no events to the shared recorder.
    let mut client = Client {
        calls: 2,
        ..Client::default()
    };
    let get = tokio::spawn(async move { client.get(1).await.map(|v| (v, client.calls)) });
    assert_eq!(get.await.unwrap().unwrap(), (10, 3));
}

// ---------------------------------------------------------------------------------------------
// until, Option, instant_sleep

#[tokio::test(start_paused = true)]
async fn until_polls_on_paused_time() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 10, base = "100ms", backoff = "constant", jitter = "none", until = |s| *s == "done", observer = REC)]
    async fn job_status(polls: &mut u32) -> Result<&'static str, ApiError> {
        *polls += 1;
        Ok(if *polls < 4 { "running" } else { "done" })
    }

    let start = Instant::now();
    let mut polls = 0;
    assert_eq!(job_status(&mut polls).await, Ok("done"));
    assert_eq!(start.elapsed(), ms(300));
    assert_eq!(
        trace(&REC),
        [retried(1, 100), retried(2, 100), retried(3, 100), succeeded(4)]
    );
}

#[tokio::test(start_paused = true)]
async fn option_none_is_retried_in_async_fns() {
    #[retry(max_attempts = 3, base = "7ms", backoff = "linear", jitter = "none")]
    async fn find(script: &mut Vec<Option<u8>>) -> Option<u8> {
        script.remove(0)
    }

    let start = Instant::now();
    let mut script = vec![None, None, Some(3)];
    assert_eq!(find(&mut script).await, Some(3));
    assert_eq!(start.elapsed(), ms(7 + 14));
}

#[tokio::test]
async fn instant_sleep_covers_async_sleeps_on_this_thread() {
    #[retry(max_attempts = 4, base = "1h", max_delay = "2h", jitter = "none")]
    async fn slow() -> Result<(), ApiError> {
        Err(ApiError::Down)
    }

    let real = std::time::Instant::now();
    let sleeps = testing::instant_sleep();
    assert!(slow().await.is_err());
    let hour = Duration::from_secs(3600);
    assert_eq!(sleeps.delays(), [hour, 2 * hour, 2 * hour]);
    assert!(real.elapsed() < Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn seeded_jitter_is_reproducible_in_async_fns() {
    #[retry(max_attempts = 6, base = "10ms", jitter = "full")]
    async fn fetch() -> Result<(), ApiError> {
        Err(ApiError::Down)
    }

    async fn total(seed: u64) -> Duration {
        let _seed = testing::seed(seed);
        let start = Instant::now();
        let _ = fetch().await;
        start.elapsed()
    }
    let first = total(8).await;
    assert_eq!(total(8).await, first);
    assert!(first <= ms(10 + 20 + 40 + 80 + 160));
}

// ---------------------------------------------------------------------------------------------
// call_async

#[tokio::test(start_paused = true)]
async fn call_async_retries_an_async_closure() {
    let policy = Policy::exponential(ms(10)).max_attempts(4).jitter(Jitter::None);
    let start = Instant::now();
    let mut numbers = Vec::new();
    let result = retry_runtime::call_async(&policy, async |attempt: &Attempt| {
        numbers.push(attempt.number());
        tokio::time::sleep(ms(1)).await;
        if attempt.number() < 3 {
            Err("no")
        } else {
            Ok(attempt.number())
        }
    })
    .await;
    assert_eq!(result, Ok(3));
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(start.elapsed(), ms(1 + 10 + 1 + 20 + 1));

    let start = Instant::now();
    let exhausted: Option<()> = retry_runtime::call_async(&policy, async |_| None).await;
    assert_eq!(exhausted, None);
    assert_eq!(start.elapsed(), ms(10 + 20 + 40));
}

#[tokio::test(start_paused = true)]
async fn call_async_stops_when_the_closure_says_so() {
    let policy = Policy::constant(ms(10)).max_attempts(5).jitter(Jitter::None);
    let start = Instant::now();
    let calls = AtomicU32::new(0);
    let result: Result<(), &str> = retry_runtime::call_async(&policy, async |attempt| {
        if calls.fetch_add(1, Ordering::SeqCst) == 1 {
            attempt.stop();
        }
        Err("down")
    })
    .await;
    assert_eq!(result, Err("down"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(start.elapsed(), ms(10));
}

// ---------------------------------------------------------------------------------------------
// sleeper

/// A sleeper for another runtime, here backed by tokio's timer so paused time still applies,
/// that counts what it is asked to sleep.
struct CountingSleeper {
    slept: Mutex<Vec<Duration>>,
}

impl AsyncSleeper for CountingSleeper {
    type Sleep = tokio::time::Sleep;

    fn sleep(&self, delay: Duration) -> Self::Sleep {
        self.slept.lock().unwrap().push(delay);
        tokio::time::sleep(delay)
    }
}

#[tokio::test(start_paused = true)]
async fn sleeper_key_replaces_the_tokio_sleeper() {
    static SLEEPER: CountingSleeper = CountingSleeper {
        slept: Mutex::new(Vec::new()),
    };
    #[retry(max_attempts = 4, base = "10ms", jitter = "none", sleeper = SLEEPER)]
    async fn fetch() -> Result<(), ApiError> {
        Err(ApiError::Down)
    }

    let start = Instant::now();
    assert!(fetch().await.is_err());
    assert_eq!(*SLEEPER.slept.lock().unwrap(), [ms(10), ms(20), ms(40)]);
    assert_eq!(start.elapsed(), ms(70));
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_uses_the_sites_sleeper() {
    static SLEEPER: CountingSleeper = CountingSleeper {
        slept: Mutex::new(Vec::new()),
    };
    #[retry(max_attempts = 2, base = "10ms", jitter = "none", attempt_timeout = "30ms", sleeper = SLEEPER)]
    async fn fetch() -> Result<(), ApiError> {
        std::future::pending::<()>().await;
        Ok(())
    }

    let start = Instant::now();
    assert_eq!(fetch().await, Err(ApiError::TimedOut(Elapsed)));
    // A timer per attempt, and the backoff between them.
    assert_eq!(*SLEEPER.slept.lock().unwrap(), [ms(30), ms(10), ms(30)]);
    assert_eq!(start.elapsed(), ms(70));
}

/// A sleeper that needs no runtime at all: every sleep is over at once.
struct Immediate {
    calls: AtomicU32,
}

impl AsyncSleeper for Immediate {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, _delay: Duration) -> Self::Sleep {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(())
    }
}

#[test]
fn a_custom_sleeper_runs_without_tokio() {
    static SLEEPER: Immediate = Immediate {
        calls: AtomicU32::new(0),
    };
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1h", max_delay = "1h", jitter = "none", sleeper = SLEEPER, observer = REC)]
    async fn fetch(calls: &mut u32) -> Result<u32, ApiError> {
        *calls += 1;
        if *calls < 3 {
            Err(ApiError::Down)
        } else {
            Ok(*calls)
        }
    }

    let mut calls = 0;
    let mut future = pin!(fetch(&mut calls));
    let mut cx = Context::from_waker(Waker::noop());
    // Nothing is pending, so one poll runs the whole call.
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
    assert_eq!(SLEEPER.calls.load(Ordering::SeqCst), 2);
    let hour = Duration::from_secs(3600);
    assert_eq!(
        trace(&REC),
        [
            (EventKind::Retry, 1, None, Some(hour)),
            (EventKind::Retry, 2, None, Some(hour)),
            succeeded(3)
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// #[async_trait]

#[async_trait::async_trait]
trait Store {
    async fn put(&mut self, key: String, value: u32) -> Result<u32, io::Error>;
    async fn get(&self, key: &str) -> Option<u32>;
}

#[derive(Default)]
struct Memory {
    puts: u32,
    gets: AtomicU32,
    map: HashMap<String, u32>,
}

static STORE_REC: Recorder = Recorder::new();

#[async_trait::async_trait]
impl Store for Memory {
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", clone = [key], observer = STORE_REC)]
    async fn put(&mut self, key: String, value: u32) -> Result<u32, io::Error> {
        self.puts += 1;
        tokio::task::yield_now().await;
        if self.puts < 2 {
            return Err(io::ErrorKind::TimedOut.into());
        }
        // Consumes the key: each attempt has its own clone.
        self.map.insert(key, value);
        Ok(self.puts)
    }

    #[retry(max_attempts = 3, base = "5ms", jitter = "none", name = "store_get", observer = STORE_REC)]
    async fn get(&self, key: &str) -> Option<u32> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.map.get(key).copied()
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods_retry() {
    let mut store = Memory::default();
    let start = Instant::now();
    assert_eq!(store.put("a".into(), 1).await.unwrap(), 2);
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(store.map.get("a"), Some(&1));

    let start = Instant::now();
    assert_eq!(store.get("missing").await, None);
    assert_eq!(start.elapsed(), ms(5 + 10));
    assert_eq!(store.gets.load(Ordering::SeqCst), 3);
    assert_eq!(store.get("a").await, Some(1));

    let names: Vec<_> = STORE_REC.events().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["put", "put", "store_get", "store_get", "store_get"]);
    assert_eq!(
        trace(&STORE_REC),
        [
            retried(1, 10),
            succeeded(2),
            retried(1, 5),
            retried(2, 10),
            gave_up(3, GiveUpReason::Exhausted)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_trait_futures_are_send() {
    let handle = tokio::spawn(async {
        // Primed to succeed at once, so that this test adds no events to the shared recorder.
        let mut store = Memory {
            puts: 1,
            ..Memory::default()
        };
        let puts = store.put("k".into(), 9).await.unwrap();
        (puts, store.map)
    });
    let (puts, map) = handle.await.unwrap();
    assert_eq!(puts, 2);
    assert_eq!(map.get("k"), Some(&9));
}

// ---------------------------------------------------------------------------------------------
// Other async shapes: `clone`, native `async fn` in a trait impl, generics

#[tokio::test(start_paused = true)]
async fn clone_gives_each_async_attempt_its_own_copy() {
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", clone = [body])]
    async fn post(body: String, sent: &mut Vec<String>) -> Result<usize, ApiError> {
        tokio::task::yield_now().await;
        // Consumed inside the attempt: the next attempt gets a fresh clone.
        sent.push(body);
        if sent.len() < 3 {
            Err(ApiError::Down)
        } else {
            Ok(sent.len())
        }
    }

    let start = Instant::now();
    let mut sent = Vec::new();
    assert_eq!(post("payload".into(), &mut sent).await, Ok(3));
    assert_eq!(sent, ["payload"; 3]);
    assert_eq!(start.elapsed(), ms(30));
}

trait Fetch {
    async fn fetch(&mut self, id: u32) -> Result<u32, ApiError>;
}

struct Native {
    calls: u32,
}

static NATIVE_REC: Recorder = Recorder::new();

impl Fetch for Native {
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", observer = NATIVE_REC)]
    async fn fetch(&mut self, id: u32) -> Result<u32, ApiError> {
        self.calls += 1;
        tokio::task::yield_now().await;
        if self.calls < 2 {
            Err(ApiError::Down)
        } else {
            Ok(id)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn native_async_trait_methods_retry() {
    let mut native = Native { calls: 0 };
    let start = Instant::now();
    assert_eq!(native.fetch(8).await, Ok(8));
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(trace(&NATIVE_REC), [retried(1, 10), succeeded(2)]);
}

#[tokio::test(start_paused = true)]
async fn generic_async_fns_retry() {
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", when = |e| *e != ApiError::TimedOut(Elapsed))]
    async fn describe<T, U>(
        value: &T,
        extra: impl Fn(&T) -> U + Sync,
        calls: &mut u32,
    ) -> Result<String, ApiError>
    where
        T: fmt::Display + Sync,
        U: fmt::Display,
    {
        *calls += 1;
        tokio::task::yield_now().await;
        if *calls < 2 {
            Err(ApiError::Down)
        } else {
            Ok(format!("{value}{}", extra(value)))
        }
    }

    let start = Instant::now();
    let mut calls = 0;
    assert_eq!(describe(&4, |v| v * 2, &mut calls).await, Ok("48".to_string()));
    assert_eq!(start.elapsed(), ms(10));
}
