//! [`MetricsObserver`]: retry events as counters and a histogram of the `metrics` facade.

use super::circuit_state;
use crate::{ErrorView, Event, EventKind, Observer};

const RETRIES: &str = "retry_retries_total";
const GIVEUPS: &str = "retry_giveups_total";
const RECOVERED: &str = "retry_recovered_total";
const TRANSITIONS: &str = "retry_circuit_transitions_total";
const DELAY: &str = "retry_delay_seconds";

/// An [`Observer`] that counts retry events through the [`metrics`](https://docs.rs/metrics)
/// facade (feature `metrics`), for whichever recorder the process installed (Prometheus,
/// StatsD, OpenTelemetry, …).
///
/// | metric | kind | labels | counts |
/// | --- | --- | --- | --- |
/// | `retry_retries_total` | counter | `site` | retries: failed attempts followed by another attempt |
/// | `retry_giveups_total` | counter | `site`, `reason` | calls that ended on a failure |
/// | `retry_recovered_total` | counter | `site` | calls that succeeded after at least one retry |
/// | `retry_circuit_transitions_total` | counter | `site`, `state` | circuit breaker state changes |
/// | `retry_delay_seconds` | histogram | `site` | the delay slept before each retry, in seconds |
///
/// - `site` is the site's name ([`Event::name`]: the `name` key, else the function's name). For
///   a breaker transition it is the site whose call moved the breaker.
/// - `reason` is one of `not_retryable`, `exhausted`, `deadline`, `budget`, `circuit_open`,
///   `disabled` ([`GiveUpReason::as_str`](crate::GiveUpReason::as_str)).
/// - `state` is the state entered: `open`, `half_open` or `closed`.
///
/// Labels stay bounded: one series per site (and reason or state), never an error message or
/// anything else taken from a call's data. A call that succeeds on its first attempt emits no
/// event and so touches no metric; `retry_retries_total` over your own request counter is the
/// load that retries add.
///
/// ```
/// use retry_runtime::observe::MetricsObserver;
///
/// static METRICS: MetricsObserver = MetricsObserver::new();
///
/// // Once, at start-up, after installing a recorder (e.g. `metrics_exporter_prometheus`):
/// retry_runtime::set_observer(&METRICS).expect("no other global observer yet");
/// METRICS.describe(); // optional: units and help texts for the exporter
/// ```
///
/// To log as well, put both in a [`Fanout`](super::Fanout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsObserver {
    // Private, so that options can be added without breaking `MetricsObserver::new()` callers.
    _options: (),
}

impl MetricsObserver {
    /// An observer that records the metrics listed above.
    #[must_use]
    pub const fn new() -> Self {
        MetricsObserver { _options: () }
    }

    /// Gives the installed recorder the unit and a description of each metric, which exporters
    /// show as help text (Prometheus' `# HELP`). Call it after installing the recorder; metrics
    /// work without it.
    pub fn describe(&self) {
        metrics::describe_counter!(
            RETRIES,
            metrics::Unit::Count,
            "Failed attempts of retried calls that were followed by another attempt."
        );
        metrics::describe_counter!(
            GIVEUPS,
            metrics::Unit::Count,
            "Retried calls that ended on a failure, by reason."
        );
        metrics::describe_counter!(
            RECOVERED,
            metrics::Unit::Count,
            "Retried calls that succeeded after at least one retry."
        );
        metrics::describe_counter!(
            TRANSITIONS,
            metrics::Unit::Count,
            "Circuit breaker state changes, by the state entered."
        );
        metrics::describe_histogram!(
            DELAY,
            metrics::Unit::Seconds,
            "The delay slept before each retry."
        );
    }
}

impl Observer for MetricsObserver {
    fn on_event(&self, event: &Event, _error: Option<ErrorView<'_>>) {
        let site = event.name();
        match event.kind() {
            EventKind::Retry => {
                metrics::counter!(RETRIES, "site" => site).increment(1);
                if let Some(delay) = event.delay() {
                    metrics::histogram!(DELAY, "site" => site).record(delay.as_secs_f64());
                }
            }
            EventKind::GiveUp => {
                let reason = event.reason().map_or("unknown", |reason| reason.as_str());
                metrics::counter!(GIVEUPS, "site" => site, "reason" => reason).increment(1);
            }
            EventKind::Success => metrics::counter!(RECOVERED, "site" => site).increment(1),
            EventKind::CircuitOpened | EventKind::CircuitHalfOpen | EventKind::CircuitClosed => {
                let state = circuit_state(event.kind()).unwrap_or("unknown");
                metrics::counter!(TRANSITIONS, "site" => site, "state" => state).increment(1);
            }
        }
    }
}
