// `attempt_timeout` needs `From<Elapsed>` for the error type.
use retry_runtime::retry;

#[derive(Debug)]
struct ApiError;

#[retry(attempt_timeout = "1s")]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
