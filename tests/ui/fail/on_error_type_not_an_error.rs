// `on` looks through the error's `source()` chain; an error type that is not an
// `std::error::Error` has none, and the message says so.
use retry_runtime::retry;

#[retry(on = std::io::Error)]
fn parse(text: &str) -> Result<u32, String> {
    text.parse().map_err(|_| format!("not a number: {text}"))
}

fn main() {
    let _ = parse("1");
}
