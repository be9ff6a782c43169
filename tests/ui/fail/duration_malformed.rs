// A malformed number in a duration.
use retry_runtime::retry;

#[retry(base = "1.2.3s")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
