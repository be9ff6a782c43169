// `name = ""`.
use retry_runtime::retry;

#[retry(name = "")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
