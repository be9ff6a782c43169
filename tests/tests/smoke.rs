use retry_runtime::{retry, testing};
use std::io;

#[retry(max_attempts = 4, base = "10ms", jitter = "none")]
fn flaky(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    if *calls < 3 {
        return Err(io::ErrorKind::TimedOut.into());
    }
    Ok(*calls)
}

struct Client {
    calls: u32,
}
impl Client {
    #[retry(max_attempts = 3, base = "1ms", context = attempt)]
    async fn get(&mut self, id: u64) -> Result<u64, io::Error> {
        self.calls += 1;
        if attempt.number() < 2 {
            Err(io::ErrorKind::ConnectionReset.into())
        } else {
            Ok(id)
        }
    }
}

#[test]
fn sync_smoke() {
    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(flaky(&mut calls).unwrap(), 3);
    assert_eq!(sleeps.delays(), [10, 20].map(std::time::Duration::from_millis));
}

#[tokio::test(start_paused = true)]
async fn async_smoke() {
    let mut c = Client { calls: 0 };
    assert_eq!(c.get(7).await.unwrap(), 7);
    assert_eq!(c.calls, 2);
}
