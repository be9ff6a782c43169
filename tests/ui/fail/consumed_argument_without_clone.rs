// A body that consumes an owned, non-`Copy` argument can't run it again on a retry: the
// compiler says "value moved here, in previous iteration of loop", and the docs point to
// `clone = [request]`.
use retry_runtime::retry;

fn send(request: String) -> Result<usize, String> {
    Ok(request.len())
}

#[retry(max_attempts = 3)]
fn post(request: String) -> Result<usize, String> {
    send(request)
}

fn main() {
    let _ = post(String::new());
}
