// Native `async fn` in a trait, implemented with `#[retry]` methods.
#![deny(warnings)]

use retry_runtime::retry;
use std::io;

trait Api {
    async fn get(&self, id: u32) -> io::Result<u32>;
    async fn bump(&mut self) -> Result<u32, String>;
}

struct Remote {
    failures: std::cell::Cell<u32>,
    count: u32,
}

impl Api for Remote {
    #[retry(max_attempts = 3, base = "5ms")]
    async fn get(&self, id: u32) -> io::Result<u32> {
        if self.failures.get() > 0 {
            self.failures.set(self.failures.get() - 1);
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        Ok(id)
    }

    #[retry(max_attempts = 3, base = "5ms")]
    async fn bump(&mut self) -> Result<u32, String> {
        self.count += 1;
        if self.count < 2 {
            return Err("first bump fails".into());
        }
        Ok(self.count)
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let mut remote = Remote {
        failures: std::cell::Cell::new(2),
        count: 0,
    };
    assert_eq!(remote.get(9).await.unwrap(), 9);
    assert_eq!(remote.bump().await, Ok(2));
}
