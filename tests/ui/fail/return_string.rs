// `-> String` is neither `Result` nor `Option`.
use retry_runtime::retry;

#[retry]
fn fetch() -> String {
    String::new()
}

fn main() {
    let _ = fetch();
}
