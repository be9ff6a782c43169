// The attribute on a whole trait.
use retry_runtime::retry;

#[retry]
trait Api {
    fn fetch(&self) -> Result<u32, String>;
}

fn main() {}
