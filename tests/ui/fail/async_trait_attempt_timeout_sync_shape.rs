// `#[async_trait]` rewrites an async method into a sync fn returning a boxed future; the
// attribute sees through that, so only a real mistake is reported: here, a bad duration.
use async_trait::async_trait;
use retry_runtime::retry;

#[async_trait]
trait Api {
    async fn get(&self) -> std::io::Result<u32>;
}

struct Client;

#[async_trait]
impl Api for Client {
    #[retry(attempt_timeout = "1sec")]
    async fn get(&self) -> std::io::Result<u32> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.get();
}
