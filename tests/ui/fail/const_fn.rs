// A `const fn` can't sleep.
use retry_runtime::retry;

#[retry(max_attempts = 2)]
const fn fetch() -> Result<u32, u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
