// `crate`: the runtime re-exported from another path, and `doc = false`.
#![deny(warnings)]

mod reexport {
    pub use retry_runtime;
}

use retry_runtime::retry;

#[retry(
    crate = "crate::reexport::retry_runtime",
    max_attempts = 2,
    base = "1ms",
    jitter = "equal"
)]
fn through_reexport() -> Result<u32, String> {
    Ok(1)
}

#[retry(crate = "::retry_runtime", doc = false)]
async fn absolute() -> Option<u32> {
    Some(2)
}

#[retry(doc = true, crate = "self::reexport::retry_runtime", on = std::io::Error, context = attempt, attempt_timeout = "1s", observer = OBSERVER)]
async fn many_paths() -> std::io::Result<u32> {
    Ok(attempt.number())
}

static OBSERVER: retry_runtime::testing::Recorder = retry_runtime::testing::Recorder::new();

fn main() {
    assert_eq!(through_reexport(), Ok(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(absolute()), Some(2));
    assert_eq!(runtime.block_on(many_paths()).unwrap(), 1);
}
