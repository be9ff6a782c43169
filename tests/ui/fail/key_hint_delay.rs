// `delay`: the hint offers `base` and `max_delay`.
use retry_runtime::retry;

#[retry(delay = "100ms")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
