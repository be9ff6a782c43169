// `sleeper` on an async fn, naming a static that is not an `AsyncSleeper`.
use retry_runtime::retry;

static SLEEPER: u32 = 0;

#[retry(sleeper = SLEEPER)]
async fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
