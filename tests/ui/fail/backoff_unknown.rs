// An unknown backoff name.
use retry_runtime::retry;

#[retry(backoff = "expo")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
