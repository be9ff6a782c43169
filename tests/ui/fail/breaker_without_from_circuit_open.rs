use retry_runtime::{CircuitBreaker, retry};

static BREAKER: CircuitBreaker = CircuitBreaker::new();

#[derive(Debug)]
struct ApiError;

#[retry(breaker = BREAKER)]
fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
