// `clone` naming something that is not an argument: "did you mean `request`?".
use retry_runtime::retry;

#[retry(clone = [requst])]
fn fetch(request: String) -> Result<usize, String> {
    Ok(request.len())
}

fn main() {
    let _ = fetch(String::new());
}
