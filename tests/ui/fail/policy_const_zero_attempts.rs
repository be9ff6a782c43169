// A `const` policy with an invalid value fails to compile, naming the builder and why.
use retry_runtime::Policy;
use std::time::Duration;

const BAD_ATTEMPTS: Policy = Policy::constant(Duration::from_millis(10)).max_attempts(0);
const BAD_FACTOR: Policy = Policy::exponential(Duration::from_millis(10)).factor(0.5);

fn main() {
    let _ = (BAD_ATTEMPTS, BAD_FACTOR);
}
