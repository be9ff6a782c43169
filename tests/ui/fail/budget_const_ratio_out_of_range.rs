// Builder values out of range are compile errors in a `static`, naming the builder.
use retry_runtime::{CircuitBreaker, RetryBudget};

static BUDGET: RetryBudget = RetryBudget::new(10, 1.5);
static BREAKER: CircuitBreaker = CircuitBreaker::new().window(std::time::Duration::ZERO);

fn main() {
    let _ = (&BUDGET, &BREAKER);
}
