// An unknown unit: "did you mean `s`?".
use retry_runtime::retry;

#[retry(max_delay = "100sec")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
