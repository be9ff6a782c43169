// `factor < 1` would shrink delays.
use retry_runtime::retry;

#[retry(factor = 0.5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
