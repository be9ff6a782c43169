// `max_attempts = 0`: the first attempt counts.
use retry_runtime::retry;

#[retry(max_attempts = 0)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
