// The attribute must not hide the function from rustc's lints: an unused annotated fn is still
// dead code.
#![deny(dead_code)]
use retry_runtime::retry;

#[retry(max_attempts = 3)]
fn never_called() -> Result<u32, String> {
    Ok(1)
}

fn main() {}
