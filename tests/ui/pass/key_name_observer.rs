// `name` and `observer`: this site's events go to a static `Recorder`, labelled with `name`.
#![deny(warnings)]

use retry_runtime::{EventKind, GiveUpReason, retry, testing};

static EVENTS: testing::Recorder = testing::Recorder::new();
static OTHER: testing::Recorder = testing::Recorder::new();

#[retry(max_attempts = 3, base = "1ms", name = "load_user", observer = EVENTS)]
fn load(calls: &mut u32) -> Result<u32, String> {
    *calls += 1;
    if *calls < 2 {
        return Err("cold cache".into());
    }
    Ok(*calls)
}

mod observers {
    pub static NESTED: retry_runtime::testing::Recorder = retry_runtime::testing::Recorder::new();
}

#[retry(max_attempts = 2, base = "1ms", observer = crate::observers::NESTED)]
async fn unnamed() -> Option<u32> {
    None
}

#[retry(max_attempts = 2, base = "1ms", observer = OTHER)]
fn first_try() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(load(&mut calls), Ok(2));
    let events = EVENTS.events();
    let kinds: Vec<_> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [EventKind::Retry, EventKind::Success]);
    assert!(events.iter().all(|e| e.name() == "load_user"));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(unnamed()), None);
    let events = observers::NESTED.events();
    assert_eq!(events.last().unwrap().name(), "unnamed");
    assert_eq!(events.last().unwrap().reason(), Some(GiveUpReason::Exhausted));

    assert!(first_try().is_ok());
    assert!(OTHER.events().is_empty());
}
