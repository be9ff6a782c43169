// `max_delay < base`.
use retry_runtime::retry;

#[retry(base = "2s", max_delay = "500ms")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
