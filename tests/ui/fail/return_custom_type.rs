// A path type that is not a `Result` or `Option`: the `Outcome` bound names it.
use retry_runtime::retry;

struct Reply {
    code: u16,
}

#[retry]
fn fetch() -> Reply {
    Reply { code: 200 }
}

fn main() {
    let _ = fetch().code;
}
