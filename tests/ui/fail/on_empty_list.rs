// `on = []` lists no type.
use retry_runtime::retry;

#[retry(on = [])]
fn fetch() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
