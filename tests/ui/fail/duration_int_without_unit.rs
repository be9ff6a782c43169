// `base = 100`: a number without a unit; the fix is suggested.
use retry_runtime::retry;

#[retry(base = 100)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
