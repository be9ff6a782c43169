// The attribute on an impl block instead of its methods.
use retry_runtime::retry;

struct Client;

#[retry(max_attempts = 3)]
impl Client {
    fn fetch(&self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
