// In an `#[async_trait]` impl, a body that consumes an owned argument needs `clone` too.
use async_trait::async_trait;
use retry_runtime::retry;

#[async_trait]
trait Api {
    async fn post(&self, body: String) -> Result<usize, String>;
}

struct Client;

async fn send(body: String) -> Result<usize, String> {
    Ok(body.len())
}

#[async_trait]
impl Api for Client {
    #[retry(max_attempts = 3)]
    async fn post(&self, body: String) -> Result<usize, String> {
        send(body).await
    }
}

fn main() {
    let _ = Client.post(String::new());
}
