// A negative duration.
use retry_runtime::retry;

#[retry(deadline = "-5s")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
