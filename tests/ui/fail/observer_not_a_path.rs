// `observer` given a string.
use retry_runtime::retry;

#[retry(observer = "EVENTS")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
