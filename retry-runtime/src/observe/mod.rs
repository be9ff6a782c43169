//! Ready-made observers: logs through `tracing`, numbers through `metrics`, and [`Fanout`] to
//! install several at once.
//!
//! | observer | feature | what it does |
//! | --- | --- | --- |
//! | `TracingObserver` | `tracing` | one structured `tracing` event per retry (WARN), give-up (ERROR) and recovery (INFO), and per breaker transition; optionally records the retry count on the current span |
//! | `MetricsObserver` | `metrics` | counters of retries, give-ups, recoveries and breaker transitions, and a histogram of delays, through the `metrics` facade |
//! | [`Fanout`] | none | hands each event to a fixed list of observers |
//!
//! The features are off by default; enable them on `retry-runtime` (`cargo add retry-runtime
//! --features tracing,metrics`). Each observer is `const`-constructible, so it lives in a
//! `static` and installs in one line with [`set_observer`](crate::set_observer) or goes to one
//! site with the attribute's `observer` key.
//!
//! None of them puts an error *message* anywhere by default, only the error's type name: messages
//! can carry request payloads or credentials. `TracingObserver::with_error_messages(true)` opts
//! in; metric labels never hold messages, which would also make their number unbounded.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{ErrorView, Event, EventKind, Observer};

#[cfg(feature = "metrics")]
mod metrics;
#[cfg(feature = "tracing")]
mod tracing;

#[cfg(feature = "metrics")]
pub use self::metrics::MetricsObserver;
#[cfg(feature = "tracing")]
pub use self::tracing::TracingObserver;

/// Hands every event to each of a fixed list of observers, in order.
///
/// The process has a single global slot ([`set_observer`](crate::set_observer)) and a site has a
/// single `observer` key; a `Fanout` fills either with as many observers as you need. It is
/// `const`-constructible from a `&'static` slice, so it can be a `static` and costs no
/// allocation. A panicking observer is contained on its own: the ones after it still see the
/// event.
///
/// ```
/// use retry_runtime::observe::Fanout;
/// use retry_runtime::testing::Recorder;
/// use retry_runtime::{retry, Observer};
///
/// static AUDIT: Recorder = Recorder::new();
/// static DEBUG: Recorder = Recorder::new();
/// static BOTH: Fanout = Fanout::new(&[&AUDIT, &DEBUG]);
///
/// #[retry(max_attempts = 2, base = "1ms", observer = BOTH)]
/// fn flaky() -> Result<(), String> {
///     Err("down".into())
/// }
///
/// # let _sleeps = retry_runtime::testing::instant_sleep();
/// let _ = flaky();
/// assert_eq!(AUDIT.events().len(), 2); // a retry, then a give-up
/// assert_eq!(DEBUG.events(), AUDIT.events());
/// // For the whole process instead: retry_runtime::set_observer(&BOTH)
/// ```
#[derive(Clone, Copy)]
pub struct Fanout {
    observers: &'static [&'static dyn Observer],
}

impl Fanout {
    /// Sends events to each of `observers`, in order.
    #[must_use]
    pub const fn new(observers: &'static [&'static dyn Observer]) -> Self {
        Fanout { observers }
    }

    /// The observers events go to, in order.
    #[must_use]
    pub const fn observers(&self) -> &'static [&'static dyn Observer] {
        self.observers
    }
}

impl Observer for Fanout {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        for observer in self.observers {
            // One by one, so that a bug in one observer does not blind the ones after it.
            let _ = catch_unwind(AssertUnwindSafe(|| observer.on_event(event, error)));
        }
    }
}

impl fmt::Debug for Fanout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("observers", &self.observers.len())
            .finish()
    }
}

/// The breaker state an event reports a transition to, as logs and metric labels spell it.
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) const fn circuit_state(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::CircuitOpened => Some("open"),
        EventKind::CircuitHalfOpen => Some("half_open"),
        EventKind::CircuitClosed => Some("closed"),
        EventKind::Retry | EventKind::Success | EventKind::GiveUp => None,
    }
}
