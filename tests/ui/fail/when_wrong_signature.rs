// `when` given a closure that does not return `bool`.
use retry_runtime::retry;

#[retry(when = |e: &String| e.len())]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
