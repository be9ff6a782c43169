// `attempt_timeout` on a blocking fn, which cannot be cancelled.
use retry_runtime::retry;

#[retry(attempt_timeout = "1s")]
fn fetch() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
