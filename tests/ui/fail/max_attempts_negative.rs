// `max_attempts` negative.
use retry_runtime::retry;

#[retry(max_attempts = -1)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
