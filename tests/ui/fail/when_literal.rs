// `when = 3`: a literal is not a predicate.
use retry_runtime::retry;

#[retry(when = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
