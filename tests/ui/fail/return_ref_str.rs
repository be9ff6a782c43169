// `-> &str` is neither `Result` nor `Option`.
use retry_runtime::retry;

#[retry]
fn fetch() -> &'static str {
    "x"
}

fn main() {
    let _ = fetch();
}
