// A type error in the body is reported at the body's own tokens, against the declared return
// type, as without the attribute.
use retry_runtime::retry;

#[retry(max_attempts = 3)]
fn fetch() -> Result<u32, String> {
    Ok("one")
}

fn main() {
    let _ = fetch();
}
