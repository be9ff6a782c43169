// A misspelt key: "did you mean `max_attempts`?".
use retry_runtime::retry;

#[retry(max_atempts = 3)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
