// `until = true`: a literal is not a predicate.
use retry_runtime::retry;

#[retry(until = true)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
