// When the attribute is rejected, the function is still emitted unchanged, so its callers
// compile: the only error is the attribute's (no "cannot find function `helper`").
use retry_runtime::retry;

#[retry(max_atempts = 3)]
fn helper(x: u32) -> Result<u32, String> {
    Ok(x + 1)
}

fn main() {
    let a: Result<u32, String> = helper(1);
    let _ = a;
}
