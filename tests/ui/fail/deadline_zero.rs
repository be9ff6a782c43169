// `deadline = "0ms"`.
use retry_runtime::retry;

#[retry(deadline = "0ms")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
