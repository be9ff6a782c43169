// `context` given a string.
use retry_runtime::retry;

#[retry(context = "attempt")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
