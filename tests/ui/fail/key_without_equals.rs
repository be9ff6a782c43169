// A key followed by something other than `=`.
use retry_runtime::retry;

#[retry(max_attempts: 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
