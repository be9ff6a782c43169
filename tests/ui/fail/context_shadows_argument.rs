// `context` would shadow an argument of the same name.
use retry_runtime::retry;

#[retry(context = attempt)]
fn fetch(attempt: u32) -> Result<u32, String> {
    Ok(attempt)
}

fn main() {
    let _ = fetch(1);
}
