// `context = self` can't be bound.
use retry_runtime::retry;

#[retry(context = self)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
