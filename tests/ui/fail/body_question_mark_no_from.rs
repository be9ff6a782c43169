// `?` converts into the declared error type: a missing `From` is reported at the `?`.
use retry_runtime::retry;

#[derive(Debug)]
struct ApiError;

#[retry(max_attempts = 3)]
fn fetch(text: &str) -> Result<u32, ApiError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

fn main() {
    let _ = fetch("1");
}
