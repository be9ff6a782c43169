// `doc = 1`.
use retry_runtime::retry;

#[retry(doc = 1)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
