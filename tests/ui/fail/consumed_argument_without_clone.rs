// A body that consumes an owned, non-`Copy` argument can't run it again on a retry: the
// compiler says the attempt is a closure that moves `request` out of its environment, so it can
// run once only (E0525, in debug and optimised builds alike), and the docs point to
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
