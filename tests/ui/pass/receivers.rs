// Inherent methods taking `self`, `&self`, `&mut self` (and `mut self`, `self: &Self`).
#![deny(warnings)]

use retry_runtime::{retry, testing};

#[derive(Clone)]
struct Counter {
    calls: u32,
    fail_until: u32,
}

impl Counter {
    #[retry(max_attempts = 4, base = "1ms")]
    fn by_value(self) -> Result<u32, String> {
        if self.fail_until > 0 {
            return Err(format!("fails until {}", self.fail_until));
        }
        Ok(self.calls)
    }

    #[retry(max_attempts = 4, base = "1ms")]
    fn by_mut_value(mut self) -> Result<u32, String> {
        self.calls += 1;
        if self.calls < self.fail_until {
            return Err("again".to_owned());
        }
        Ok(self.calls)
    }

    #[retry(max_attempts = 4, base = "1ms")]
    fn by_ref(&self) -> Result<u32, String> {
        if self.calls < self.fail_until {
            return Err("never succeeds".to_owned());
        }
        Ok(self.calls)
    }

    #[retry(max_attempts = 4, base = "1ms")]
    fn by_mut(&mut self) -> Result<u32, String> {
        self.calls += 1;
        if self.calls < self.fail_until {
            return Err("again".to_owned());
        }
        Ok(self.calls)
    }

    #[retry(max_attempts = 2, base = "1ms")]
    fn typed_receiver(self: &Self) -> Option<u32> {
        Some(self.calls)
    }

    #[retry(max_attempts = 3, base = "1ms")]
    fn associated(start: u32) -> Result<Self, String> {
        Ok(Counter {
            calls: start,
            fail_until: 0,
        })
    }
}

fn main() {
    let sleeps = testing::instant_sleep();

    let counter = Counter::associated(0).unwrap();
    assert_eq!(counter.clone().by_value(), Ok(0));
    assert!(
        Counter {
            calls: 0,
            fail_until: 1
        }
        .by_value()
        .is_err()
    );

    let mut counter = Counter {
        calls: 0,
        fail_until: 3,
    };
    assert_eq!(counter.by_mut(), Ok(3));
    assert_eq!(counter.by_ref(), Ok(3));
    assert_eq!(counter.typed_receiver(), Some(3));

    // `mut self` mutates the same owned value across attempts.
    let fresh = Counter {
        calls: 0,
        fail_until: 3,
    };
    assert_eq!(fresh.by_mut_value(), Ok(3));

    assert!(
        Counter {
            calls: 0,
            fail_until: 1
        }
        .by_ref()
        .is_err()
    );
    assert_eq!(sleeps.delays().len(), 2 + 3 + 2 + 3);
}
