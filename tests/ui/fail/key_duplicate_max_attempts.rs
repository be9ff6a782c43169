// `max_attempts` given twice, with the same value.
use retry_runtime::retry;

#[retry(max_attempts = 3, max_attempts = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
