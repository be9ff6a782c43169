// `policy`: a const path, a static path, an expression reading `self`, a `&Policy` argument,
// each alone and with inline keys overriding its fields.
#![deny(warnings)]

use retry_runtime::{Jitter, Policy, retry, testing};
use std::time::Duration;

const API: Policy = Policy::constant(Duration::from_millis(10))
    .max_attempts(4)
    .jitter(Jitter::None);
static SHARED: Policy = Policy::linear(Duration::from_millis(5))
    .max_attempts(3)
    .jitter(Jitter::None);

mod policies {
    pub const SLOW: retry_runtime::Policy =
        retry_runtime::Policy::exponential(std::time::Duration::from_secs(1)).max_attempts(2);
}

#[retry(policy = API)]
fn from_const() -> Result<(), ()> {
    Err(())
}

#[retry(policy = SHARED)]
fn from_static() -> Result<(), ()> {
    Err(())
}

#[retry(policy = policies::SLOW, jitter = "none")]
fn from_module_path() -> Result<(), ()> {
    Err(())
}

#[retry(policy = API, max_attempts = 2, base = "1ms", backoff = "linear", max_delay = "1s", deadline = "1h")]
fn const_with_overrides() -> Result<(), ()> {
    Err(())
}

#[retry(policy = policy)]
fn from_argument(policy: &Policy) -> Result<(), ()> {
    Err(())
}

#[retry(policy = policy, max_attempts = 2, factor = 3.0)]
fn argument_with_override(policy: &Policy) -> Result<(), ()> {
    Err(())
}

#[retry(policy = Policy::constant(Duration::from_millis(3)).max_attempts(2).jitter(Jitter::None))]
fn from_expression() -> Result<(), ()> {
    Err(())
}

struct Client {
    policy: Policy,
    attempts: u32,
}

impl Client {
    #[retry(policy = self.policy)]
    fn from_self(&self) -> Result<(), ()> {
        Err(())
    }

    #[retry(policy = &self.policy, jitter = "none", base = "7ms", backoff = "constant")]
    fn from_self_ref_with_overrides(&self) -> Result<(), ()> {
        Err(())
    }

    #[retry(policy = self.policy.max_attempts(self.attempts))]
    async fn from_self_async(&mut self) -> Result<(), ()> {
        self.attempts += 0;
        Err(())
    }
}

fn delays(f: impl FnOnce() -> Result<(), ()>) -> Vec<u64> {
    let sleeps = testing::instant_sleep();
    assert!(f().is_err());
    sleeps.delays().iter().map(|d| d.as_millis() as u64).collect()
}

fn main() {
    assert_eq!(delays(from_const), [10, 10, 10]);
    assert_eq!(delays(from_static), [5, 10]);
    assert_eq!(delays(from_module_path), [1000]);
    assert_eq!(delays(const_with_overrides), [1]);
    let local = Policy::constant(Duration::from_millis(2))
        .max_attempts(3)
        .jitter(Jitter::None);
    assert_eq!(delays(|| from_argument(&local)), [2, 2]);
    assert_eq!(delays(|| argument_with_override(&local)), [2]);
    assert_eq!(delays(from_expression), [3]);
    let mut client = Client {
        policy: Policy::constant(Duration::from_millis(4))
            .max_attempts(2)
            .jitter(Jitter::None),
        attempts: 3,
    };
    assert_eq!(delays(|| client.from_self()), [4]);
    assert_eq!(delays(|| client.from_self_ref_with_overrides()), [7]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(delays(|| runtime.block_on(client.from_self_async())), [4, 4]);
}
