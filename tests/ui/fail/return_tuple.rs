// `-> (T, E)` is neither `Result` nor `Option`.
use retry_runtime::retry;

#[retry]
fn fetch() -> (u32, String) {
    (1, String::new())
}

fn main() {
    let _ = fetch();
}
