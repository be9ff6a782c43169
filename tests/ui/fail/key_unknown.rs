// An unknown key, not close to any: the error lists the keys.
use retry_runtime::retry;

#[retry(colour = "blue")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
