// `clone = []` lists nothing.
use retry_runtime::retry;

#[retry(clone = [])]
fn fetch(request: String) -> Result<usize, String> {
    Ok(request.len())
}

fn main() {
    let _ = fetch(String::new());
}
