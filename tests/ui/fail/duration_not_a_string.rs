// A duration that is neither a string nor an integer.
use retry_runtime::retry;

#[retry(base = 1.5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
