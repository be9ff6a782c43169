//! The kill switch: `RETRY_DISABLED=1` in the environment turns every retry off, and
//! `set_enabled` overrides it at run time. Its own test binary, with one test, because the
//! variable is read once per process and the switch is process-wide.

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{EventKind, GiveUpReason, is_enabled, retry, set_enabled, stats};

static EVENTS: Recorder = Recorder::new();

#[retry(max_attempts = 3, base = "1ms", observer = EVENTS, name = "kill_switch_site")]
fn flaky(calls: &mut u32) -> Result<(), std::io::Error> {
    *calls += 1;
    Err(std::io::ErrorKind::TimedOut.into())
}

fn attempts() -> u32 {
    let mut calls = 0;
    assert!(flaky(&mut calls).is_err());
    calls
}

#[test]
fn the_environment_turns_retries_off_and_set_enabled_wins() {
    // SAFETY: the only test in this binary, and it sets the variable before any thread reads it.
    unsafe { std::env::set_var("RETRY_DISABLED", "1") };
    let _sleeps = testing::instant_sleep();

    assert_eq!(attempts(), 1, "one attempt while disabled");
    assert!(!is_enabled());
    let last = EVENTS.events().pop().expect("a give-up event");
    assert_eq!(
        (last.kind(), last.attempt(), last.reason()),
        (EventKind::GiveUp, 1, Some(GiveUpReason::Disabled))
    );

    set_enabled(true);
    assert_eq!(attempts(), 3, "retries are back, whatever the environment says");

    set_enabled(false);
    assert_eq!(attempts(), 1);
    let site = stats()
        .into_iter()
        .find(|s| s.name == "kill_switch_site")
        .expect("counted");
    assert_eq!(site.gave_up(GiveUpReason::Disabled), 2);
    assert_eq!(site.gave_up(GiveUpReason::Exhausted), 1);
}
