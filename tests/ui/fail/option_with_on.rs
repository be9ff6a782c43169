// `on` looks at an error, but `Option` has none.
use retry_runtime::retry;

#[retry(on = std::io::Error)]
fn fetch() -> Option<u32> {
    Some(1)
}

fn main() {
    let _ = fetch();
}
