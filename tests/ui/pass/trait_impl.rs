// Methods of a trait impl, and a trait's default method with a body.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::io;

trait Store {
    fn get(&self, key: &str) -> io::Result<String>;
    fn put(&mut self, key: &str, value: String) -> io::Result<()>;
    fn into_len(self) -> Option<usize>;

    #[retry(max_attempts = 2, base = "1ms")]
    fn get_or_default(&self, key: &str) -> io::Result<String> {
        match self.get(key) {
            Ok(value) => Ok(value),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(String::new()),
            Err(error) => Err(error),
        }
    }
}

struct Flaky {
    failures_left: u32,
    data: Vec<(String, String)>,
}

impl Store for Flaky {
    #[retry(max_attempts = 3, base = "1ms")]
    fn get(&self, key: &str) -> io::Result<String> {
        self.data
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| io::ErrorKind::NotFound.into())
    }

    #[retry(max_attempts = 3, base = "1ms", clone = [value])]
    fn put(&mut self, key: &str, value: String) -> io::Result<()> {
        if self.failures_left > 0 {
            self.failures_left -= 1;
            return Err(io::ErrorKind::Interrupted.into());
        }
        self.data.push((key.to_owned(), value));
        Ok(())
    }

    #[retry(max_attempts = 2, base = "1ms")]
    fn into_len(self) -> Option<usize> {
        Some(self.data.len())
    }
}

fn main() {
    let sleeps = testing::instant_sleep();
    let mut store = Flaky {
        failures_left: 2,
        data: Vec::new(),
    };
    store.put("a", "1".to_owned()).unwrap();
    assert_eq!(sleeps.delays().len(), 2);
    assert_eq!(store.get("a").unwrap(), "1");
    // NotFound is not transient: no retry.
    assert_eq!(store.get("b").unwrap_err().kind(), io::ErrorKind::NotFound);
    assert_eq!(store.get_or_default("b").unwrap(), "");
    assert_eq!(sleeps.delays().len(), 2);
    assert_eq!(store.into_len(), Some(1));
}
