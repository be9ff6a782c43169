// A bad key and a bad return type are reported together.
use retry_runtime::retry;

#[retry(colour = 1)]
fn fetch() -> u32 {
    1
}

fn main() {
    let _ = fetch();
}
