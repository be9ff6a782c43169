// `clone = [self]`: the receiver is not cloned per attempt.
use retry_runtime::retry;

#[derive(Clone)]
struct Client;

impl Client {
    #[retry(clone = [self])]
    fn fetch(self) -> Result<u32, String> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
