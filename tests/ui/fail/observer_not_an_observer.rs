// `observer` naming a static that is not an `Observer`.
use retry_runtime::retry;

static EVENTS: u32 = 0;

#[retry(observer = EVENTS)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
