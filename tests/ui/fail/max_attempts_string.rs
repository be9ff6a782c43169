// `max_attempts` given as a string.
use retry_runtime::retry;

#[retry(max_attempts = "3")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
