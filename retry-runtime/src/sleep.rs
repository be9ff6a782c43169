//! How a retried call waits: blocking sleepers for sync functions, async sleepers for async ones.
//!
//! The defaults are [`ThreadSleeper`] (`std::thread::sleep`) and, with the `tokio` feature (on by
//! default), [`TokioSleeper`]. Another runtime plugs in by implementing [`AsyncSleeper`] for a
//! unit struct and naming a `static` of it in the attribute's `sleeper` key.

use core::fmt;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use crate::engine::Delay;
use pin_project_lite::pin_project;

/// Waits by blocking the thread; used by sync functions.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a blocking sleeper",
    note = "a sync fn's `sleeper = PATH` names a `static` whose type implements `retry_runtime::BlockingSleeper`"
)]
pub trait BlockingSleeper: Sync {
    /// Blocks the current thread for `delay`.
    fn sleep(&self, delay: Duration);
}

/// Waits with `std::thread::sleep`: the default for sync functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleeper;

impl BlockingSleeper for ThreadSleeper {
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay);
    }
}

/// Waits without blocking; used by async functions.
///
/// Implement it to run retried async functions on a runtime other than tokio. A timer for
/// `async-std` or `smol` looks like this (here with a hand-rolled timer so the example runs
/// anywhere):
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{retry, AsyncSleeper};
///
/// struct MyRuntimeSleeper;
/// impl AsyncSleeper for MyRuntimeSleeper {
///     type Sleep = std::future::Ready<()>; // e.g. `async_io::Timer` or `smol::Timer`
///     fn sleep(&self, _delay: Duration) -> Self::Sleep {
///         std::future::ready(())
///     }
/// }
/// static SLEEPER: MyRuntimeSleeper = MyRuntimeSleeper;
///
/// #[retry(max_attempts = 3, sleeper = SLEEPER)]
/// async fn flaky(calls: &mut u32) -> Result<u32, String> {
///     *calls += 1;
///     if *calls < 3 { Err("not yet".into()) } else { Ok(*calls) }
/// }
/// # let mut calls = 0;
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// # let mut fut = std::pin::pin!(flaky(&mut calls));
/// # assert_eq!(fut.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(3)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an async sleeper",
    note = "async fns need the `tokio` feature of retry-runtime (on by default) or `sleeper = PATH` naming a `static` whose type implements `retry_runtime::AsyncSleeper`"
)]
pub trait AsyncSleeper: Sync {
    /// The future returned by [`sleep`](AsyncSleeper::sleep).
    type Sleep: Future<Output = ()>;

    /// A future that completes after `delay`.
    fn sleep(&self, delay: Duration) -> Self::Sleep;
}

/// Waits with `tokio::time::sleep`: the default for async functions (feature `tokio`).
///
/// Outside a tokio runtime it does not panic: it falls back to a timer thread per sleep, so a
/// retried async fn still works, slowly, under another executor. Pass `sleeper = …` to use that
/// executor's own timer instead.
#[cfg(feature = "tokio")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

#[cfg(feature = "tokio")]
impl AsyncSleeper for TokioSleeper {
    type Sleep = TokioSleep;

    fn sleep(&self, delay: Duration) -> TokioSleep {
        if tokio::runtime::Handle::try_current().is_ok() {
            TokioSleep {
                inner: TokioSleepInner::Tokio {
                    sleep: tokio::time::sleep(delay),
                },
            }
        } else {
            TokioSleep {
                inner: TokioSleepInner::Thread {
                    timer: thread_timer::ThreadTimer::new(delay),
                },
            }
        }
    }
}

#[cfg(feature = "tokio")]
pin_project! {
    /// The future of [`TokioSleeper`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct TokioSleep {
        #[pin]
        inner: TokioSleepInner,
    }
}

#[cfg(feature = "tokio")]
pin_project! {
    #[project = TokioSleepProjection]
    #[derive(Debug)]
    enum TokioSleepInner {
        // Inside a tokio runtime.
        Tokio { #[pin] sleep: tokio::time::Sleep },
        // Outside one.
        Thread { timer: thread_timer::ThreadTimer },
    }
}

#[cfg(feature = "tokio")]
impl Future for TokioSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().inner.project() {
            TokioSleepProjection::Tokio { sleep } => sleep.poll(cx),
            TokioSleepProjection::Thread { timer } => Pin::new(timer).poll(cx),
        }
    }
}

#[cfg(feature = "tokio")]
mod thread_timer {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::Waker;
    use std::time::Instant;

    /// A timer for use outside any runtime: a thread sleeps, then wakes the task.
    #[derive(Debug)]
    pub struct ThreadTimer {
        until: Option<Instant>,
        shared: Option<Arc<Shared>>,
    }

    #[derive(Debug, Default)]
    struct Shared {
        done: AtomicBool,
        waker: Mutex<Option<Waker>>,
    }

    impl ThreadTimer {
        pub(super) fn new(delay: Duration) -> Self {
            ThreadTimer {
                until: Instant::now().checked_add(delay),
                shared: None,
            }
        }
    }

    impl Future for ThreadTimer {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let until = self.until;
            if until.is_some_and(|until| Instant::now() >= until) {
                return Poll::Ready(());
            }
            let shared = self.shared.get_or_insert_with(|| {
                let shared = Arc::<Shared>::default();
                let theirs = Arc::clone(&shared);
                std::thread::spawn(move || {
                    match until {
                        Some(until) => std::thread::sleep(until.saturating_duration_since(Instant::now())),
                        // A delay past the end of time never ends.
                        None => loop {
                            std::thread::park();
                        },
                    }
                    theirs.done.store(true, Ordering::Release);
                    if let Some(waker) = theirs.waker.lock().ok().and_then(|mut w| w.take()) {
                        waker.wake();
                    }
                });
                shared
            });
            if let Ok(mut slot) = shared.waker.lock() {
                *slot = Some(cx.waker().clone());
            }
            if shared.done.load(Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }
}

pin_project! {
    /// An attempt raced against a timer: `Some(output)`, or `None` when the timer won.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F, S> {
        #[pin]
        future: F,
        #[pin]
        timer: S,
    }
}

impl<F: Future, S: Future<Output = ()>> Future for Timeout<F, S> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The attempt first: an attempt that finishes as the timer fires still counts.
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Some(output));
        }
        this.timer.poll(cx).map(|()| None)
    }
}

/// Races `future` against `sleeper`'s timer for `limit`.
pub fn timeout<S: AsyncSleeper + ?Sized, F: Future>(
    sleeper: &S,
    limit: Duration,
    future: F,
) -> Timeout<F, S::Sleep> {
    Timeout {
        future,
        timer: sleeper.sleep(limit),
    }
}

/// Sleeps between attempts: skips zero delays (tokio would round them up to its 1ms tick), and
/// honours [`testing::instant_sleep`](crate::testing::instant_sleep) on this thread.
pub(crate) fn blocking<S: BlockingSleeper + ?Sized>(sleeper: &S, delay: Delay) {
    if delay.is_zero() {
        return;
    }
    let delay = Duration::from(delay);
    if crate::testing::intercept(delay) {
        return;
    }
    sleeper.sleep(delay);
}

/// The async twin of [`blocking`]: a concrete future rather than an `async fn`, so a retrying
/// future holds the sleeper's own future and not a byte more.
pub(crate) fn nonblocking<S: AsyncSleeper + ?Sized>(sleeper: &S, delay: Delay) -> MaybeSleep<S::Sleep> {
    let inner = if delay.is_zero() {
        None
    } else {
        let delay = Duration::from(delay);
        if crate::testing::intercept(delay) {
            None
        } else {
            Some(sleeper.sleep(delay))
        }
    };
    MaybeSleep::new(inner)
}

/// The sleep between two attempts, or nothing when there is nothing to wait for (a zero delay,
/// or one recorded by an instant-sleep guard). An `Option` inside, so `None` takes the sleeper
/// future's niche instead of a discriminant of its own.
///
/// Dropping the sleeper's future is out of line: a retrying future's drop glue, which runs at
/// the end of every call, stays small enough to inline into the caller instead of carrying a
/// timer's teardown it almost never needs.
#[must_use = "futures do nothing unless polled"]
pub struct MaybeSleep<F> {
    // Structurally pinned: never moved out, dropped in place.
    inner: ManuallyDrop<Option<F>>,
}

impl<F> MaybeSleep<F> {
    fn new(inner: Option<F>) -> Self {
        MaybeSleep {
            inner: ManuallyDrop::new(inner),
        }
    }
}

impl<F> fmt::Debug for MaybeSleep<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaybeSleep")
            .field("sleeping", &self.inner.is_some())
            .finish()
    }
}

impl<F: Future<Output = ()>> Future for MaybeSleep<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `inner` is pinned with `self`: it is never moved out of, and `Drop` drops it in
        // place; `MaybeSleep` is `Unpin` only when `F` is.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut *this.inner) };
        match inner.as_pin_mut() {
            Some(sleep) => sleep.poll(cx),
            None => Poll::Ready(()),
        }
    }
}

impl<F> Drop for MaybeSleep<F> {
    #[inline]
    fn drop(&mut self) {
        if self.inner.is_some() {
            drop_sleep(&mut self.inner);
        }
    }
}

#[cold]
#[inline(never)]
fn drop_sleep<F>(inner: &mut ManuallyDrop<Option<F>>) {
    // SAFETY: called once, from `MaybeSleep::drop`; `inner` is not used again.
    unsafe { ManuallyDrop::drop(inner) }
}

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;

    #[test]
    fn tokio_sleeper_works_outside_a_runtime() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        // Taken first: the sleep counts from its creation, so a clock read after it could
        // measure a little less than the delay.
        let started = std::time::Instant::now();
        let mut sleep = std::pin::pin!(TokioSleeper.sleep(Duration::from_millis(5)));
        while sleep.as_mut().poll(&mut cx).is_pending() {
            std::thread::yield_now();
        }
        assert!(started.elapsed() >= Duration::from_millis(5));
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_lets_fast_attempts_through_and_cuts_slow_ones() {
        let fast = timeout(&TokioSleeper, Duration::from_millis(10), async { 1 }).await;
        assert_eq!(fast, Some(1));
        let slow = timeout(&TokioSleeper, Duration::from_millis(10), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            2
        })
        .await;
        assert_eq!(slow, None);
    }
}
