// `sleeper` naming a static that is not a `BlockingSleeper`.
use retry_runtime::retry;

static SLEEPER: u32 = 0;

#[retry(sleeper = SLEEPER)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
