// `-> impl Future` is neither `Result` nor `Option` (an `async fn` was meant).
use retry_runtime::retry;

#[retry]
fn fetch() -> impl std::future::Future<Output = Result<u32, String>> {
    async { Ok(1) }
}

fn main() {
    let _ = fetch();
}
