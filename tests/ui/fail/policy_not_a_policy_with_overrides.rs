// `policy` that is not a `Policy`, with an inline override.
use retry_runtime::retry;

#[retry(policy = "fast", max_attempts = 2)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
