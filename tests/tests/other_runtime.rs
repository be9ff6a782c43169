//! Retried async functions outside tokio: a hand-written `block_on` whose waker unparks the
//! thread, and an `AsyncSleeper` whose future is a thread-backed timer. This is all another
//! runtime has to provide.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use retry_runtime::{AsyncSleeper, Policy, call_async_with, retry};

/// Longer than any test here should take: past it, `block_on` fails instead of hanging.
const HANG: Duration = Duration::from_secs(5);

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls until its waker is called.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let started = Instant::now();
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Parking can wake spuriously; polling again is harmless.
        thread::park_timeout(HANG);
        assert!(started.elapsed() < HANG, "the future was never woken");
    }
}

/// A timer future: on its first poll a thread sleeps for the delay, then wakes the task.
struct ThreadTimer {
    delay: Duration,
    shared: Option<Arc<Shared>>,
}

#[derive(Default)]
struct Shared {
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Future for ThreadTimer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let delay = self.delay;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Arc::<Shared>::default();
            let theirs = Arc::clone(&shared);
            thread::spawn(move || {
                thread::sleep(delay);
                theirs.done.store(true, Ordering::Release);
                if let Some(waker) = theirs.waker.lock().unwrap().take() {
                    waker.wake();
                }
            });
            shared
        });
        // The waker is stored before `done` is read, so a timer that fires in between still
        // finds it.
        *shared.waker.lock().unwrap() = Some(cx.waker().clone());
        if shared.done.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The sleeper a site names with `sleeper = …`; it keeps the delays it was asked for.
struct ThreadSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl AsyncSleeper for ThreadSleeper {
    type Sleep = ThreadTimer;

    fn sleep(&self, delay: Duration) -> ThreadTimer {
        self.delays.lock().unwrap().push(delay);
        ThreadTimer { delay, shared: None }
    }
}

fn outside_tokio() -> bool {
    tokio::runtime::Handle::try_current().is_err()
}

#[test]
fn a_retried_async_fn_runs_on_a_hand_written_executor() {
    static SLEEPER: ThreadSleeper = ThreadSleeper {
        delays: Mutex::new(Vec::new()),
    };
    static CALLS: AtomicU32 = AtomicU32::new(0);

    #[retry(max_attempts = 4, base = "50ms", jitter = "none", sleeper = SLEEPER)]
    async fn flaky() -> io::Result<u32> {
        let call = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
        if call < 3 {
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        Ok(call)
    }

    assert!(outside_tokio());
    let started = Instant::now();
    assert_eq!(block_on(flaky()).unwrap(), 3);
    let took = started.elapsed();
    assert_eq!(CALLS.load(Ordering::Relaxed), 3);
    let delays = SLEEPER.delays.lock().unwrap().clone();
    assert_eq!(delays, [Duration::from_millis(50), Duration::from_millis(100)]);
    assert!(
        took >= Duration::from_millis(150),
        "the timer really waited: {took:?}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn attempt_timeouts_use_the_named_sleeper_too() {
    static SLEEPER: ThreadSleeper = ThreadSleeper {
        delays: Mutex::new(Vec::new()),
    };

    #[retry(max_attempts = 2, base = "10ms", jitter = "none", attempt_timeout = "50ms", sleeper = SLEEPER, context = attempt)]
    async fn hangs_once() -> io::Result<u32> {
        if attempt.number() == 1 {
            // Never completes: only the sleeper's timer can end this attempt.
            std::future::pending::<()>().await;
        }
        Ok(attempt.number())
    }

    assert!(outside_tokio());
    let started = Instant::now();
    assert_eq!(block_on(hangs_once()).unwrap(), 2);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(60), "{took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let delays = SLEEPER.delays.lock().unwrap().clone();
    // The first attempt's timeout, the delay, the second attempt's timeout.
    assert_eq!(delays, [50, 10, 50].map(Duration::from_millis));
}

#[test]
fn call_async_with_runs_on_the_same_executor() {
    static SLEEPER: ThreadSleeper = ThreadSleeper {
        delays: Mutex::new(Vec::new()),
    };
    let policy = Policy::constant(Duration::from_millis(20)).max_attempts(3);

    assert!(outside_tokio());
    let started = Instant::now();
    let result = block_on(call_async_with(&policy, &SLEEPER, async |attempt| {
        if attempt.number() < 3 {
            Err("not yet")
        } else {
            Ok(attempt.number())
        }
    }));
    let took = started.elapsed();
    assert_eq!(result, Ok(3));
    assert_eq!(SLEEPER.delays.lock().unwrap().len(), 2);
    assert!(took < Duration::from_secs(1), "{took:?}");
}
