//! [`TracingObserver`]: retry events as structured `tracing` events.

use core::time::Duration;

use tracing::Level;
use tracing::field::{DisplayValue, display};

use super::circuit_state;
use crate::{ErrorView, Event, EventKind, Observer};

/// Every event's `target`, fixed so that filters need not track this crate's module layout.
const TARGET: &str = "retry_runtime";

/// An [`Observer`] that turns retry events into structured [`tracing`](https://docs.rs/tracing)
/// events (feature `tracing`).
///
/// | event | level | fields |
/// | --- | --- | --- |
/// | a retry | `WARN` | `retry.site`, `retry.attempt`, `retry.max_attempts`, `retry.delay_ms`, `retry.elapsed_ms`, `error.type` |
/// | a give-up | `ERROR` | `retry.site`, `retry.attempt`, `retry.max_attempts`, `retry.elapsed_ms`, `retry.reason`, `error.type` |
/// | a success after retries | `INFO` | `retry.site`, `retry.attempt`, `retry.max_attempts`, `retry.elapsed_ms` |
/// | the breaker opened | `WARN` | `retry.site`, `retry.circuit.state` = `"open"` |
/// | the breaker half-opened, closed | `INFO` | `retry.site`, `retry.circuit.state` = `"half_open"`, `"closed"` |
///
/// What the fields hold:
///
/// - `retry.site`: the site's name ([`Event::name`]: the `name` key, else the function's name).
/// - `retry.attempt`: the attempt that just ended, 1-based ([`Event::attempt`]); 0 for a call
///   the open breaker refused before any attempt ran.
/// - `retry.max_attempts`: the attempts allowed in all; absent when only a deadline limits them.
/// - `retry.delay_ms`: the delay before the next attempt, in whole milliseconds.
/// - `retry.elapsed_ms`: time since the call began, in whole milliseconds (see
///   [`Event::elapsed`]).
/// - `retry.reason`: why the call gave up, as [`GiveUpReason::as_str`](crate::GiveUpReason::as_str)
///   spells it (`"exhausted"`, `"not_retryable"`, `"deadline"`, …).
/// - `error.type`: the error's type name ([`ErrorView::type_name`]); absent for a failure
///   without an error value (`None`, a value rejected by `until`).
/// - `error.message`: the error's `Display`, only with
///   [`with_error_messages(true)`](TracingObserver::with_error_messages).
/// - `code.file.path`, `code.line.number`: where the retried function is. The event's own
///   metadata necessarily points into this crate; these fields point at your code.
///
/// Every event has the target `retry_runtime` (so `RUST_LOG=retry_runtime=warn` keeps the
/// retries and give-ups and drops the recoveries) and, as its message, the event's one-line
/// summary (`fetch: attempt 2/5 failed, retrying in 200ms`).
///
/// Nothing is computed or formatted for a level the subscriber does not want: each event is
/// built inside `tracing`'s macros, which check the level first.
///
/// ```
/// use retry_runtime::observe::TracingObserver;
///
/// static LOGS: TracingObserver = TracingObserver::new();
///
/// // Once, at start-up, after installing a subscriber (`tracing_subscriber::fmt::init()`, …):
/// retry_runtime::set_observer(&LOGS).expect("no other global observer yet");
/// ```
///
/// With messages, and the retry count recorded on the caller's span:
///
/// ```
/// use retry_runtime::observe::TracingObserver;
/// use retry_runtime::retry;
///
/// static LOGS: TracingObserver = TracingObserver::new()
///     .with_error_messages(true) // only if messages never hold secrets
///     .record_resend_count(true);
///
/// #[retry(max_attempts = 3, base = "1ms", observer = LOGS)]
/// fn ping() -> std::io::Result<()> {
///     Err(std::io::ErrorKind::ConnectionRefused.into())
/// }
///
/// # let _sleeps = retry_runtime::testing::instant_sleep();
/// // The span must declare the field; `#[tracing::instrument(fields(http.request.resend_count))]`
/// // on a caller does the same.
/// let span = tracing::info_span!("ping", http.request.resend_count = tracing::field::Empty);
/// let _entered = span.enter();
/// assert!(ping().is_err()); // logs two retries and a give-up; the span gets resend_count = 2
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TracingObserver {
    error_messages: bool,
    resend_count: bool,
}

impl TracingObserver {
    /// An observer that logs the events listed above, without error messages and without
    /// touching spans.
    #[must_use]
    pub const fn new() -> Self {
        TracingObserver {
            error_messages: false,
            resend_count: false,
        }
    }

    /// Whether events carry the error's `Display` in an `error.message` field. Off by default:
    /// a message can hold a request's payload, a URL with a token in it, or a credential, and
    /// logs tend to travel further than the process.
    #[must_use]
    pub const fn with_error_messages(mut self, enabled: bool) -> Self {
        self.error_messages = enabled;
        self
    }

    /// Whether to record the retries a call made (its attempts minus one) on the current span,
    /// in the field `http.request.resend_count`: OpenTelemetry's name for it.
    ///
    /// The count is recorded once, when a call that was retried ends (succeeds or gives up), so
    /// that subscribers which append a re-recorded field rather than replace it still show one
    /// value. A call that needed no retry leaves the field unset, as the convention asks; so
    /// does a call whose future is dropped mid-way.
    ///
    /// The span must declare the field, or `tracing` drops the value:
    /// `#[tracing::instrument(fields(http.request.resend_count))]`, or
    /// `http.request.resend_count = tracing::field::Empty` in `info_span!`. The current span is
    /// the one entered where the retried function runs: put `#[retry]` *above*
    /// `#[tracing::instrument]` on the same function, so that the span wraps all the attempts
    /// (the other order makes a span per attempt, closed before the event), or instrument a
    /// caller.
    #[must_use]
    pub const fn record_resend_count(mut self, enabled: bool) -> Self {
        self.resend_count = enabled;
        self
    }

    /// The error's message as a lazily formatted field value, if the observer opted in.
    fn message<'a>(&self, error: Option<ErrorView<'a>>) -> Option<DisplayValue<ErrorView<'a>>> {
        error.filter(|_| self.error_messages).map(display)
    }
}

impl Observer for TracingObserver {
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
        if self.resend_count
            && matches!(event.kind(), EventKind::Success | EventKind::GiveUp)
            && event.attempt() >= 2
        {
            let resends = u64::from(event.attempt() - 1);
            tracing::Span::current().record("http.request.resend_count", resends);
        }
        // Field values are evaluated inside each macro, after its level check: a disabled level
        // costs a comparison and formats nothing.
        match event.kind() {
            EventKind::Retry => tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    "retry.site" = event.name(),
                    "retry.attempt" = event.attempt(),
                    "retry.max_attempts" = max_attempts(event),
                    "retry.delay_ms" = event.delay().map(millis),
                    "retry.elapsed_ms" = millis(event.elapsed()),
                    "error.type" = error_type(event, error),
                    "error.message" = self.message(error),
                    "code.file.path" = event.file(),
                    "code.line.number" = event.line(),
                },
                "{}",
                event,
            ),
            EventKind::GiveUp => tracing::event!(
                target: TARGET,
                Level::ERROR,
                {
                    "retry.site" = event.name(),
                    "retry.attempt" = event.attempt(),
                    "retry.max_attempts" = max_attempts(event),
                    "retry.elapsed_ms" = millis(event.elapsed()),
                    "retry.reason" = event.reason().map(|reason| reason.as_str()),
                    "error.type" = error_type(event, error),
                    "error.message" = self.message(error),
                    "code.file.path" = event.file(),
                    "code.line.number" = event.line(),
                },
                "{}",
                event,
            ),
            EventKind::Success => tracing::event!(
                target: TARGET,
                Level::INFO,
                {
                    "retry.site" = event.name(),
                    "retry.attempt" = event.attempt(),
                    "retry.max_attempts" = max_attempts(event),
                    "retry.elapsed_ms" = millis(event.elapsed()),
                    "code.file.path" = event.file(),
                    "code.line.number" = event.line(),
                },
                "{}",
                event,
            ),
            EventKind::CircuitOpened => tracing::event!(
                target: TARGET,
                Level::WARN,
                {
                    "retry.site" = event.name(),
                    "retry.circuit.state" = circuit_state(event.kind()),
                    "code.file.path" = event.file(),
                    "code.line.number" = event.line(),
                },
                "{}",
                event,
            ),
            EventKind::CircuitHalfOpen | EventKind::CircuitClosed => tracing::event!(
                target: TARGET,
                Level::INFO,
                {
                    "retry.site" = event.name(),
                    "retry.circuit.state" = circuit_state(event.kind()),
                    "code.file.path" = event.file(),
                    "code.line.number" = event.line(),
                },
                "{}",
                event,
            ),
        }
    }
}

/// `None` (so the field is left out) when only a deadline limits the attempts: `u32::MAX`
/// would read as a real limit on a dashboard.
fn max_attempts(event: &Event) -> Option<u32> {
    Some(event.max_attempts()).filter(|&max| max != u32::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn error_type(event: &Event, error: Option<ErrorView<'_>>) -> Option<&'static str> {
    error.map(|error| error.type_name()).or(event.error_type())
}
