#![deny(warnings)]
use retry_runtime::{CircuitBreaker, CircuitOpen, RetryBudget, retry};
use std::time::Duration;

static BUDGET: RetryBudget = RetryBudget::new(100, 0.1);
static BREAKER: CircuitBreaker = CircuitBreaker::new()
    .failure_ratio(0.5)
    .minimum_calls(10)
    .window(Duration::from_secs(30))
    .open_for(Duration::from_secs(5))
    .half_open_probes(2);

#[derive(Debug)]
enum ApiError {
    Down,
    Open,
}

impl From<CircuitOpen> for ApiError {
    fn from(_: CircuitOpen) -> Self {
        ApiError::Open
    }
}

#[retry(max_attempts = 3, base = "1ms", budget = BUDGET, breaker = BREAKER)]
fn sync_call(ok: bool) -> Result<u32, ApiError> {
    if ok { Ok(1) } else { Err(ApiError::Down) }
}

struct Client;

impl Client {
    #[retry(max_attempts = 3, base = "1ms", budget = BUDGET, breaker = BREAKER)]
    async fn get(&mut self) -> std::io::Result<u32> {
        Ok(2)
    }
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    assert_eq!(sync_call(true).unwrap(), 1);
    let _ = (ApiError::Down, ApiError::Open);
    let mut client = Client;
    assert_send(client.get());
}
