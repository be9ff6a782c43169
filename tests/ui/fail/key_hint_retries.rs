// `retries`: the hint explains attempts vs retries.
use retry_runtime::retry;

#[retry(retries = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
