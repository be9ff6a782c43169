// The attribute on a trait method's declaration, which has no body.
use retry_runtime::retry;

trait Api {
    #[retry(max_attempts = 3)]
    fn fetch(&self) -> Result<u32, String>;
}

struct Client;

impl Api for Client {
    fn fetch(&self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
