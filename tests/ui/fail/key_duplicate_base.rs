// `base` given twice: the second key is underlined.
use retry_runtime::retry;

#[retry(base = "10ms", max_attempts = 3, base = "20ms")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
