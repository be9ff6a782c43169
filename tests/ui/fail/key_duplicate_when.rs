// `when` given twice (closures with commas in their parameters).
use retry_runtime::retry;

#[retry(when = |e: &String| e.is_empty(), when = |_| true)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
