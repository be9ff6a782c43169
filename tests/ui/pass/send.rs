// An async fn's future stays `Send`: `&mut self`, `context`, `attempt_timeout`, `clone`, `when`.
#![deny(warnings)]

use retry_runtime::retry;
use std::io;

fn assert_send<T: Send>(_: T) {}

struct Conn {
    buffer: Vec<u8>,
}

impl Conn {
    #[retry(max_attempts = 3, base = "1ms")]
    async fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        tokio::task::yield_now().await;
        Ok(data.len())
    }

    #[retry(max_attempts = 3, base = "1ms", context = attempt)]
    async fn write_keyed(&mut self, data: &[u8]) -> io::Result<u32> {
        let key = attempt.idempotency_key();
        tokio::task::yield_now().await;
        self.buffer.extend_from_slice(key.as_str().as_bytes());
        self.buffer.extend_from_slice(data);
        Ok(attempt.number())
    }

    #[retry(max_attempts = 3, base = "1ms", attempt_timeout = "1s", clone = [body], when = |e| e.kind() == io::ErrorKind::TimedOut)]
    async fn everything(&mut self, body: String) -> io::Result<usize> {
        tokio::task::yield_now().await;
        let body: Vec<u8> = body.into_bytes();
        self.buffer.extend(body);
        Ok(self.buffer.len())
    }
}

#[retry(max_attempts = 2, base = "1ms", context = attempt)]
async fn free(data: &mut Vec<u32>) -> Result<(), String> {
    tokio::task::yield_now().await;
    data.push(attempt.number());
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut conn = Conn { buffer: Vec::new() };
    assert_send(conn.write(b"a"));
    assert_send(conn.write_keyed(b"b"));
    assert_send(conn.everything(String::new()));
    let mut data = Vec::new();
    assert_send(free(&mut data));

    // And they really run on another thread.
    let handle = tokio::spawn(async move {
        conn.write(b"xy").await.unwrap();
        conn.write_keyed(b"z").await.unwrap();
        conn.everything("w".into()).await.unwrap()
    });
    assert!(handle.await.unwrap() > 3);
}
