// The attribute on a struct.
use retry_runtime::retry;

#[retry(max_attempts = 3)]
#[derive(Debug)]
pub struct Client {
    url: String,
}

fn main() {
    let _ = Client { url: String::new() }.url;
}
