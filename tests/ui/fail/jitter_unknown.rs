// An unknown jitter name, close to a known one.
use retry_runtime::retry;

#[retry(jitter = "fulll")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
