// `policy = self.policy` must not keep `self` borrowed while the body calls `&mut self` methods.
#![deny(warnings)]
use retry_runtime::{Policy, retry};

struct Counter {
    policy: Policy,
    n: u32,
}

impl Counter {
    fn bump(&mut self) {
        self.n += 1;
    }

    #[retry(policy = self.policy)]
    fn get(&mut self) -> Result<u32, String> {
        self.bump();
        Ok(self.n)
    }
}

fn main() {
    let mut c = Counter { policy: Policy::DEFAULT, n: 0 };
    assert_eq!(c.get().unwrap(), 1);
}
