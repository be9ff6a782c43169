// `attempt_timeout = "0s"`.
use retry_runtime::retry;

#[retry(attempt_timeout = "0s")]
async fn fetch() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
