// `max_retries` from other libraries: the hint explains attempts vs retries.
use retry_runtime::retry;

#[retry(max_retries = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
