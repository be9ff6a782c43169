// A key without a value.
use retry_runtime::retry;

#[retry(max_attempts)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
