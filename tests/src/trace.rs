//! Event sequences as plain tuples, so behaviour tests can assert a whole call's story in one
//! `assert_eq!`.

use std::time::Duration;

use retry_runtime::testing::Recorder;
use retry_runtime::{EventKind, GiveUpReason};

/// One event: what happened, the attempt that just ended, why a call gave up, the delay chosen.
pub type Step = (EventKind, u32, Option<GiveUpReason>, Option<Duration>);

/// Every event a recorder kept, as steps.
pub fn trace(recorder: &Recorder) -> Vec<Step> {
    recorder
        .events()
        .iter()
        .map(|e| (e.kind(), e.attempt(), e.reason(), e.delay()))
        .collect()
}

/// Attempt `attempt` failed; the next runs after `delay_ms`.
pub fn retried(attempt: u32, delay_ms: u64) -> Step {
    (EventKind::Retry, attempt, None, Some(ms(delay_ms)))
}

/// Attempt `attempt`, a retry, succeeded.
pub fn succeeded(attempt: u32) -> Step {
    (EventKind::Success, attempt, None, None)
}

/// Attempt `attempt` failed and the call gave up for `reason`.
pub fn gave_up(attempt: u32, reason: GiveUpReason) -> Step {
    (EventKind::GiveUp, attempt, Some(reason), None)
}

/// Milliseconds, briefly.
pub fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}
