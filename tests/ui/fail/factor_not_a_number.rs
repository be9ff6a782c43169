// `factor` given as a string.
use retry_runtime::retry;

#[retry(factor = "2")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
