// `on` naming a type that is not an error, on an error type that is one.
use retry_runtime::retry;

#[retry(on = u32)]
fn fetch() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
