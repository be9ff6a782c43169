// Methods of an `#[async_trait]` impl: `#[retry]` receives them already rewritten to return a
// boxed future, and puts the loop inside that future.
#![deny(warnings)]

use async_trait::async_trait;
use retry_runtime::retry;
use std::io;

#[async_trait]
trait Service {
    async fn get(&self, key: String) -> io::Result<usize>;
    async fn incr(&mut self, by: u32) -> Result<u32, String>;
    async fn echo(&self, text: String) -> Option<String>;
    async fn timed(&mut self, id: u64) -> Result<u64, std::io::Error>;
}

struct Backend {
    failures: std::sync::atomic::AtomicU32,
    value: u32,
}

#[async_trait]
impl Service for Backend {
    #[retry(max_attempts = 3, base = "5ms")]
    async fn get(&self, key: String) -> io::Result<usize> {
        use std::sync::atomic::Ordering;
        if self.failures.load(Ordering::Relaxed) > 0 {
            self.failures.fetch_sub(1, Ordering::Relaxed);
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(key.len())
    }

    #[retry(max_attempts = 3, base = "5ms")]
    async fn incr(&mut self, by: u32) -> Result<u32, String> {
        self.value += by;
        if self.value < 2 * by {
            return Err("not yet".into());
        }
        Ok(self.value)
    }

    // The owned argument is consumed by the body: `clone` gives each attempt its own copy.
    #[retry(max_attempts = 3, base = "5ms", clone = [text])]
    async fn echo(&self, text: String) -> Option<String> {
        tokio::task::yield_now().await;
        Some(text)
    }

    // `context` and `attempt_timeout` inside the boxed future.
    #[retry(max_attempts = 3, base = "5ms", context = attempt, attempt_timeout = "1s")]
    async fn timed(&mut self, id: u64) -> Result<u64, std::io::Error> {
        self.value += 1;
        if attempt.number() == 1 {
            // The first attempt hangs and is cut by the timeout.
            std::future::pending::<()>().await;
        }
        Ok(id + u64::from(attempt.number()))
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let mut backend = Backend {
        failures: std::sync::atomic::AtomicU32::new(2),
        value: 0,
    };
    assert_eq!(backend.get("four".to_owned()).await.unwrap(), 4);
    assert_eq!(backend.incr(5).await, Ok(10));
    assert_eq!(backend.echo("hi".to_owned()).await.as_deref(), Some("hi"));
    // `#[async_trait]` futures are `Send`.
    let service: &dyn Service = &backend;
    let future = service.get("x".to_owned());
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&future);
    assert_eq!(future.await.unwrap(), 1);
    let future = backend.timed(10);
    assert_send(&future);
    assert_eq!(future.await.unwrap(), 12);
}
