// `timeout`: the hint offers `attempt_timeout` and `deadline`.
use retry_runtime::retry;

#[retry(timeout = "1s")]
async fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
