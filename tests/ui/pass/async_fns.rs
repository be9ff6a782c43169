// `async fn`, free and in inherent impls (`&self`, `&mut self`, `self`).
#![deny(warnings)]

use retry_runtime::retry;
use std::io;
use std::time::Duration;

#[retry(max_attempts = 3, base = "10ms", jitter = "none")]
async fn fetch(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    tokio::time::sleep(Duration::from_millis(1)).await;
    if *calls < 3 {
        return Err(io::ErrorKind::ConnectionRefused.into());
    }
    Ok(*calls)
}

struct Client {
    calls: u32,
}

impl Client {
    #[retry(max_attempts = 3, base = "10ms")]
    async fn get(&mut self, id: u64) -> Result<u64, io::Error> {
        self.calls += 1;
        tokio::task::yield_now().await;
        if self.calls < 2 {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(id)
    }

    #[retry(max_attempts = 3, base = "10ms")]
    async fn peek(&self) -> Option<u32> {
        tokio::task::yield_now().await;
        Some(self.calls)
    }

    #[retry(max_attempts = 3, base = "10ms")]
    async fn finish(self) -> Result<u32, String> {
        Ok(self.calls)
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = tokio::time::Instant::now();
    let mut calls = 0;
    assert_eq!(fetch(&mut calls).await.unwrap(), 3);
    // Three 1ms attempts and two sleeps of 10ms and 20ms.
    assert_eq!(start.elapsed(), Duration::from_millis(33));

    let mut client = Client { calls: 0 };
    assert_eq!(client.get(7).await.unwrap(), 7);
    assert_eq!(client.peek().await, Some(2));
    assert_eq!(client.finish().await, Ok(2));
}
