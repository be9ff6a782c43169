// `max_delay` below the default base of 100ms.
use retry_runtime::retry;

#[retry(max_delay = "50ms")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
