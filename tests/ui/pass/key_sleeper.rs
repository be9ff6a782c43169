// `sleeper`: a custom `AsyncSleeper` (another runtime's timer) and a custom `BlockingSleeper`.
#![deny(warnings)]

use retry_runtime::{AsyncSleeper, BlockingSleeper, retry};
use std::sync::Mutex;
use std::time::Duration;

struct Recording(Mutex<Vec<Duration>>);

impl BlockingSleeper for Recording {
    fn sleep(&self, delay: Duration) {
        self.0.lock().unwrap().push(delay);
    }
}

impl AsyncSleeper for Recording {
    type Sleep = std::future::Ready<()>;
    fn sleep(&self, delay: Duration) -> Self::Sleep {
        self.0.lock().unwrap().push(delay);
        std::future::ready(())
    }
}

static BLOCKING: Recording = Recording(Mutex::new(Vec::new()));
static ASYNC: Recording = Recording(Mutex::new(Vec::new()));

#[retry(max_attempts = 3, base = "1s", jitter = "none", sleeper = BLOCKING)]
fn blocking() -> Result<(), String> {
    Err("down".into())
}

#[retry(max_attempts = 3, base = "2s", jitter = "none", sleeper = ASYNC)]
async fn nonblocking() -> Result<(), String> {
    Err("down".into())
}

// The sleeper also times attempts out.
#[retry(max_attempts = 2, base = "3s", jitter = "none", attempt_timeout = "1s", sleeper = ASYNC)]
async fn timed() -> std::io::Result<()> {
    std::future::pending::<()>().await;
    Ok(())
}

fn main() {
    assert!(blocking().is_err());
    assert_eq!(
        *BLOCKING.0.lock().unwrap(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );

    // No runtime at all: the custom sleeper is the only timer.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(nonblocking());
    assert!(matches!(
        future.as_mut().poll(&mut cx),
        std::task::Poll::Ready(Err(_))
    ));
    assert_eq!(
        *ASYNC.0.lock().unwrap(),
        [Duration::from_secs(2), Duration::from_secs(4)]
    );

    let mut future = std::pin::pin!(timed());
    let std::task::Poll::Ready(result) = future.as_mut().poll(&mut cx) else {
        panic!("a ready timer times the attempt out at once");
    };
    assert_eq!(result.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
}
