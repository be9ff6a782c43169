// `crate = 5`.
use retry_runtime::retry;

#[retry(crate = 5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
