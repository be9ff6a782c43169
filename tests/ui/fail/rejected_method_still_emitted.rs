// A rejected method is still emitted unchanged too: calls through `self` and the trait compile.
use retry_runtime::retry;

trait Api {
    fn fetch(&self) -> Option<u32>;
}

struct Client;

impl Api for Client {
    #[retry(colour = "blue")]
    fn fetch(&self) -> Option<u32> {
        Some(2)
    }
}

fn main() {
    let b: Option<u32> = Client.fetch();
    let _ = b;
}
