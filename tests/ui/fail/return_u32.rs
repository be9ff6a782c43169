// `-> u32` is neither `Result` nor `Option`.
use retry_runtime::retry;

#[retry]
fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
