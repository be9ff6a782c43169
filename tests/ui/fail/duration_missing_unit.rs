// A duration string without a unit.
use retry_runtime::retry;

#[retry(deadline = "100")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
