// `on` given twice, once as a list.
use retry_runtime::retry;

#[retry(on = std::io::Error, on = [std::fmt::Error])]
fn fetch() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
