// `name` given an identifier.
use retry_runtime::retry;

#[retry(name = fetch)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
