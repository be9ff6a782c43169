// Three independent mistakes in one attribute are reported together.
use retry_runtime::retry;

#[retry(max_retries = 3, jitter = "fulll", base = 100)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
