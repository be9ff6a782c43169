// A jitter name written as an identifier instead of a string.
use retry_runtime::retry;

#[retry(jitter = full)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
