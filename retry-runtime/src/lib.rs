#![doc = include_str!("guide.md")]
#![warn(missing_docs)]

mod attempt;
mod backoff;
mod breaker;
mod budget;
mod call;
mod classify;
mod clock;
mod detours;
mod engine;
mod error_view;
mod errors;
mod event;
mod jitter;
mod policy;
mod random;
mod run;
mod sleep;
mod stats;
mod switch;
mod worst_case;

#[doc(hidden)]
pub mod __private;
pub mod http;
pub mod observe;
pub mod testing;

pub use attempt::{Attempt, IdempotencyKey};
pub use backoff::{Backoff, Delays};
pub use breaker::{BreakerState, CircuitBreaker, Permit};
pub use budget::RetryBudget;
#[cfg(feature = "tokio")]
pub use call::call_async;
pub use call::{call, call_async_with, call_with};
pub use classify::{Chain, Outcome, Transient, is_transient_kind};
pub use error_view::ErrorView;
pub use errors::{CircuitOpen, Elapsed};
pub use event::{Event, EventKind, GiveUpReason, Observer, SetObserverError, set_observer};
pub use jitter::Jitter;
pub use policy::{
    DEFAULT_BASE, DEFAULT_FACTOR, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELAY, Policy, PolicyError,
};
pub use sleep::{AsyncSleeper, BlockingSleeper, ThreadSleeper, Timeout};
#[cfg(feature = "tokio")]
pub use sleep::{TokioSleep, TokioSleeper};
pub use stats::{SiteStats, stats};
pub use switch::{is_enabled, set_enabled};

pub use retry_macros::retry;

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
