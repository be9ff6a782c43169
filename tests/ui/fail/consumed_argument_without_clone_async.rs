// The async twin of `consumed_argument_without_clone`.
use retry_runtime::retry;

async fn send(request: String) -> Result<usize, String> {
    Ok(request.len())
}

#[retry(max_attempts = 3)]
async fn post(request: String) -> Result<usize, String> {
    send(request).await
}

fn main() {
    let _ = post(String::new());
}
