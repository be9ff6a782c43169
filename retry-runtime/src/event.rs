//! What a retried call reports: [`Event`]s delivered to an [`Observer`].
//!
//! Every retry, every success that needed a retry, and every give-up is an event. A success on
//! the first attempt emits nothing and touches no shared state, so observing costs nothing until
//! something fails.

use core::fmt;
use core::time::Duration;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use crate::ErrorView;
use crate::stats::Counters;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// An attempt failed and another will run after [`Event::delay`].
    Retry,
    /// An attempt after the first succeeded: the retries paid off.
    Success,
    /// The call ended on a failure; [`Event::reason`] says why.
    GiveUp,
    /// The site's circuit breaker opened: calls fail fast for a while.
    CircuitOpened,
    /// The site's circuit breaker let probe calls through.
    CircuitHalfOpen,
    /// The site's circuit breaker closed again: the dependency is back.
    CircuitClosed,
}

/// Why a call stopped retrying and returned its last failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The failure was not worth retrying: classification (`on`, `when`, `unless`,
    /// [`Transient`](crate::Transient)) said so, or the body called
    /// [`Attempt::stop`](crate::Attempt::stop).
    NotRetryable,
    /// Every one of `max_attempts` attempts failed.
    Exhausted,
    /// The next delay would have ended past the deadline.
    Deadline,
    /// The retry budget shared with other calls was spent.
    Budget,
    /// The circuit breaker opened.
    CircuitOpen,
    /// Retries are switched off process-wide ([`set_enabled`](crate::set_enabled) or
    /// `RETRY_DISABLED=1`).
    Disabled,
}

impl GiveUpReason {
    /// A short, stable, lowercase name (`"exhausted"`), for logs and metric labels.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUpReason::NotRetryable => "not_retryable",
            GiveUpReason::Exhausted => "exhausted",
            GiveUpReason::Deadline => "deadline",
            GiveUpReason::Budget => "budget",
            GiveUpReason::CircuitOpen => "circuit_open",
            GiveUpReason::Disabled => "disabled",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GiveUpReason::NotRetryable => "not retryable",
            GiveUpReason::Exhausted => "attempts exhausted",
            GiveUpReason::Deadline => "deadline reached",
            GiveUpReason::Budget => "retry budget spent",
            GiveUpReason::CircuitOpen => "circuit open",
            GiveUpReason::Disabled => "retries disabled",
        })
    }
}

/// Where a retried call lives: its name and source location, and its counters for
/// [`stats`](crate::stats). `#[retry]` makes one `static` per annotated function.
pub struct Site {
    info: SiteInfo,
    counters: Counters,
}

impl Site {
    /// A site; `#[retry]` makes one per annotated function.
    #[must_use]
    pub const fn new(name: &'static str, module: &'static str, file: &'static str, line: u32) -> Self {
        Site {
            info: SiteInfo {
                name,
                module,
                file,
                line,
            },
            counters: Counters::ZERO,
        }
    }

    pub(crate) fn info(&self) -> &SiteInfo {
        &self.info
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.info, f)
    }
}

/// A site's name and location, as events carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SiteInfo {
    pub(crate) name: &'static str,
    pub(crate) module: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
}

/// One thing that happened to a retried call. Owned and cheap to clone (no heap data).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub(crate) site: SiteInfo,
    pub(crate) kind: EventKind,
    pub(crate) attempt: u32,
    pub(crate) max_attempts: u32,
    pub(crate) delay: Option<Duration>,
    pub(crate) elapsed: Duration,
    pub(crate) reason: Option<GiveUpReason>,
    pub(crate) error_type: Option<&'static str>,
}

impl Event {
    /// The site's name: the `name` key, else the function's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.site.name
    }

    /// The module path of the call site.
    #[must_use]
    pub fn module(&self) -> &'static str {
        self.site.module
    }

    /// The source file of the call site.
    #[must_use]
    pub fn file(&self) -> &'static str {
        self.site.file
    }

    /// The line of the call site.
    #[must_use]
    pub fn line(&self) -> u32 {
        self.site.line
    }

    /// What happened.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The number of the attempt that just ended, 1-based: 1 for the first failure.
    #[must_use]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The attempts the policy allows in all (`u32::MAX` when only a deadline limits them).
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// For [`EventKind::Retry`], the delay that will be slept before the next attempt (after
    /// jitter, caps and hints); `None` for the other kinds.
    #[must_use]
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// Time since the call began. Sites that have neither a deadline, an attempt timeout nor a
    /// `context` read no clock on the success path, so for them the clock starts when the first
    /// attempt fails and the first event reports zero.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// For [`EventKind::GiveUp`], why.
    #[must_use]
    pub fn reason(&self) -> Option<GiveUpReason> {
        self.reason
    }

    /// The failed attempt's error type (`core::any::type_name`), or `None` when there was no
    /// error value (`Option::None`, a value rejected by `until`) or for a success.
    #[must_use]
    pub fn error_type(&self) -> Option<&'static str> {
        self.error_type
    }
}

/// A one-line summary: `fetch: attempt 2/5 failed, retrying in 200ms`.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.site.name)?;
        let attempt = Counted(self.attempt, self.max_attempts);
        match (self.kind, self.delay, self.reason) {
            (EventKind::Retry, Some(delay), _) => {
                write!(f, "attempt {attempt} failed, retrying in {}", Readable(delay))
            }
            (EventKind::Success, _, _) => write!(f, "attempt {attempt} succeeded"),
            (EventKind::GiveUp, _, Some(reason)) if self.attempt == 0 => write!(f, "refused: {reason}"),
            (EventKind::GiveUp, _, Some(reason)) => {
                write!(f, "attempt {attempt} failed, giving up: {reason}")
            }
            (EventKind::CircuitOpened, _, _) => f.write_str("circuit breaker opened"),
            (EventKind::CircuitHalfOpen, _, _) => f.write_str("circuit breaker half-open"),
            (EventKind::CircuitClosed, _, _) => f.write_str("circuit breaker closed"),
            _ => write!(f, "attempt {attempt} failed"),
        }
    }
}

/// `2/5`, or `2` when only a deadline limits the attempts.
struct Counted(u32, u32);

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            u32::MAX => write!(f, "{}", self.0),
            max => write!(f, "{}/{max}", self.0),
        }
    }
}

/// A delay rounded for people: `36ms`, `1.25s`, `250µs`.
struct Readable(Duration);

impl fmt::Display for Readable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d >= Duration::from_secs(1) {
            let text = format!("{:.2}", d.as_secs_f64());
            write!(f, "{}s", text.trim_end_matches('0').trim_end_matches('.'))
        } else if d >= Duration::from_millis(1) {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}µs", d.as_micros())
        }
    }
}

/// Receives the events of retried calls.
///
/// Install one for the whole process with [`set_observer`], or give a site its own with the
/// attribute's `observer = PATH` key. Observers run inline, on the failing call's thread, between
/// the failure and the sleep: keep them quick. A panicking observer is contained: the panic is
/// caught and the call goes on.
///
/// ```
/// use retry_runtime::{ErrorView, Event, Observer};
///
/// struct Log;
/// impl Observer for Log {
///     fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>) {
///         match error {
///             Some(error) => eprintln!("{event} ({error})"),
///             None => eprintln!("{event}"),
///         }
///     }
/// }
/// static LOG: Log = Log;
/// # let _ = &LOG;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retry observer",
    label = "`observer = …` needs a `static` whose type implements `retry_runtime::Observer`",
    note = "implement `retry_runtime::Observer` for it, or use `retry_runtime::testing::Recorder`"
)]
pub trait Observer: Sync {
    /// One event, with the failed attempt's error when there is one.
    fn on_event(&self, event: &Event, error: Option<ErrorView<'_>>);
}

static GLOBAL: OnceLock<&'static dyn Observer> = OnceLock::new();

/// [`set_observer`] was called before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetObserverError(());

impl fmt::Display for SetObserverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a global retry observer is already installed")
    }
}

impl std::error::Error for SetObserverError {}

/// Installs the process-wide observer that receives the events of every site without an
/// `observer` key of its own. It can be set once; a second call returns an error and changes
/// nothing.
///
/// ```
/// use retry_runtime::{set_observer, testing::Recorder};
///
/// static EVENTS: Recorder = Recorder::new();
/// set_observer(&EVENTS).expect("first install");
/// assert!(set_observer(&EVENTS).is_err());
/// ```
pub fn set_observer(observer: &'static dyn Observer) -> Result<(), SetObserverError> {
    GLOBAL.set(observer).map_err(|_| SetObserverError(()))?;
    // Set once the slot is filled: failures that see the bit look there.
    let bit = crate::detours::GLOBAL_OBSERVER;
    crate::detours::update(bit, bit, |_| true);
    Ok(())
}

/// The observer a site reports to, if any: its own, else the global one.
#[inline]
pub(crate) fn target(site_observer: Option<&dyn Observer>) -> Option<&dyn Observer> {
    site_observer.or_else(|| GLOBAL.get().copied())
}

/// Hands an event to an observer, containing any panic so that the retried call goes on.
pub(crate) fn deliver(observer: &dyn Observer, event: &Event, error: Option<ErrorView<'_>>) {
    let _ = catch_unwind(AssertUnwindSafe(|| observer.on_event(event, error)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, delay: Option<Duration>, reason: Option<GiveUpReason>) -> Event {
        Event {
            site: SiteInfo {
                name: "fetch",
                module: "m",
                file: "f.rs",
                line: 1,
            },
            kind,
            attempt: 2,
            max_attempts: 5,
            delay,
            elapsed: Duration::ZERO,
            reason,
            error_type: None,
        }
    }

    #[test]
    fn events_read_as_sentences() {
        let retry = event(EventKind::Retry, Some(Duration::from_millis(200)), None);
        assert_eq!(retry.to_string(), "fetch: attempt 2/5 failed, retrying in 200ms");
        let ok = event(EventKind::Success, None, None);
        assert_eq!(ok.to_string(), "fetch: attempt 2/5 succeeded");
        let gave_up = event(EventKind::GiveUp, None, Some(GiveUpReason::Exhausted));
        assert_eq!(
            gave_up.to_string(),
            "fetch: attempt 2/5 failed, giving up: attempts exhausted"
        );
    }

    #[test]
    fn a_panicking_observer_is_contained() {
        struct Boom;
        impl Observer for Boom {
            fn on_event(&self, _: &Event, _: Option<ErrorView<'_>>) {
                panic!("observer bug");
            }
        }
        deliver(&Boom, &event(EventKind::Success, None, None), None);
    }
}
