// `clone`: owned arguments consumed by the body are cloned for each attempt.
#![deny(warnings)]

use retry_runtime::{retry, testing};

#[derive(Clone, Debug, PartialEq)]
struct Request {
    body: Vec<u8>,
}

fn send(request: Request, calls: &mut u32) -> Result<usize, String> {
    *calls += 1;
    if *calls < 3 {
        return Err("reset".into());
    }
    Ok(request.body.len())
}

#[retry(max_attempts = 3, base = "1ms", clone = [request])]
fn post(request: Request, calls: &mut u32) -> Result<usize, String> {
    send(request, calls)
}

#[retry(max_attempts = 3, base = "1ms", clone = [a, b])]
fn join(a: String, b: Vec<String>, calls: &mut u32) -> Option<String> {
    *calls += 1;
    let mut all = b;
    all.push(a);
    (*calls == 2).then(|| all.concat())
}

// A single name without brackets.
#[retry(max_attempts = 2, base = "1ms", clone = name)]
async fn greet(name: String) -> Result<String, String> {
    let owned: String = name;
    Ok(owned + "!")
}

struct Outbox {
    sent: Vec<Request>,
}

impl Outbox {
    #[retry(max_attempts = 2, base = "1ms", clone = [request])]
    fn push(&mut self, request: Request) -> Result<(), String> {
        self.sent.push(request);
        if self.sent.len() < 2 {
            return Err("again".into());
        }
        Ok(())
    }
}

fn main() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(post(Request { body: vec![1, 2] }, &mut calls), Ok(2));
    let mut calls = 0;
    assert_eq!(
        join("c".into(), vec!["a".into(), "b".into()], &mut calls).as_deref(),
        Some("abc")
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(greet("hi".into())).as_deref(), Ok("hi!"));
    let mut outbox = Outbox { sent: Vec::new() };
    outbox.push(Request { body: vec![] }).unwrap();
    assert_eq!(outbox.sent.len(), 2);
}
