// `max_attempts` given an expression: it takes a literal (`policy` is for computed values).
use retry_runtime::retry;

const ATTEMPTS: u32 = 3;

#[retry(max_attempts = ATTEMPTS + 1)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
