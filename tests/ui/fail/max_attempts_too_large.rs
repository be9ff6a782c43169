// `max_attempts` past `u32::MAX`.
use retry_runtime::retry;

#[retry(max_attempts = 4294967296)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
