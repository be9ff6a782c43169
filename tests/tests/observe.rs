//! The ready-made observers: `TracingObserver` (what it logs, at which level, with which fields,
//! and what it never formats), `MetricsObserver` (names, labels, values) and `Fanout`.
//!
//! A hand-written `tracing::Subscriber` and `metrics::Recorder` capture what the observers emit;
//! both are installed per thread (`with_default`, `with_local_recorder`), so the tests run in
//! parallel without seeing each other's events.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_runtime::observe::{Fanout, MetricsObserver, TracingObserver};
use retry_runtime::testing::{Recorder, instant_sleep};
use retry_runtime::{CircuitBreaker, ErrorView, Event, EventKind, Observer, retry};

// ---------------------------------------------------------------------------------------------
// A tracing subscriber that keeps events and span fields as strings.

#[derive(Clone, Debug)]
struct Captured {
    level: tracing::Level,
    target: String,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    fn names(&self) -> Vec<&str> {
        self.fields.keys().map(String::as_str).collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
}

struct Span {
    metadata: &'static tracing::Metadata<'static>,
    fields: BTreeMap<String, String>,
}

/// Keeps every event at `max_level` or more severe; everything else is disabled.
struct Capture {
    max_level: tracing::Level,
    events: Mutex<Vec<Captured>>,
    spans: Mutex<Vec<Span>>,
    stack: Mutex<Vec<tracing::span::Id>>,
}

impl Capture {
    fn new(max_level: tracing::Level) -> Arc<Self> {
        Arc::new(Capture {
            max_level,
            events: Mutex::new(Vec::new()),
            spans: Mutex::new(Vec::new()),
            stack: Mutex::new(Vec::new()),
        })
    }

    fn events(&self) -> Vec<Captured> {
        self.events.lock().unwrap().clone()
    }

    fn span_fields(&self, span: &tracing::Span) -> BTreeMap<String, String> {
        let id = span.id().expect("the span is enabled");
        let index = usize::try_from(id.into_u64() - 1).unwrap();
        self.spans.lock().unwrap()[index].fields.clone()
    }
}

impl tracing::Subscriber for Capture {
    fn register_callsite(&self, _: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        // Decided per event by `enabled`: other tests' subscribers share the callsites.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= self.max_level
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::from_level(self.max_level))
    }

    fn new_span(&self, attributes: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(Span {
            metadata: attributes.metadata(),
            fields,
        });
        tracing::span::Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let index = usize::try_from(span.into_u64() - 1).unwrap();
        values.record(&mut Fields(&mut self.spans.lock().unwrap()[index].fields));
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            fields,
        });
    }

    fn enter(&self, span: &tracing::span::Id) {
        self.stack.lock().unwrap().push(span.clone());
    }

    fn exit(&self, _: &tracing::span::Id) {
        self.stack.lock().unwrap().pop();
    }

    fn current_span(&self) -> tracing_core::span::Current {
        let stack = self.stack.lock().unwrap();
        match stack.last() {
            Some(id) => {
                let index = usize::try_from(id.into_u64() - 1).unwrap();
                let metadata = self.spans.lock().unwrap()[index].metadata;
                tracing_core::span::Current::new(id.clone(), metadata)
            }
            None => tracing_core::span::Current::none(),
        }
    }
}

/// Runs `f` with `capture` as this thread's subscriber and retry sleeps made instant.
fn captured<T>(capture: &Arc<Capture>, f: impl FnOnce() -> T) -> T {
    let _sleeps = instant_sleep();
    tracing::subscriber::with_default(Arc::clone(capture), f)
}

// ---------------------------------------------------------------------------------------------
// An error that counts how often it is formatted, on this thread.

thread_local! {
    static FORMATTED: Cell<u32> = const { Cell::new(0) };
}

#[derive(Debug)]
struct Leaky;

impl fmt::Display for Leaky {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.with(|n| n.set(n.get() + 1));
        f.write_str("password=hunter2 rejected")
    }
}

impl std::error::Error for Leaky {}

fn formatted() -> u32 {
    FORMATTED.with(Cell::get)
}

// ---------------------------------------------------------------------------------------------
// TracingObserver

static LOGS: TracingObserver = TracingObserver::new();
static LOGS_WITH_MESSAGES: TracingObserver = TracingObserver::new().with_error_messages(true);
static LOGS_WITH_RESEND_COUNT: TracingObserver = TracingObserver::new().record_resend_count(true);

#[retry(max_attempts = 3, base = "10ms", jitter = "none", observer = LOGS, name = "always_refused")]
fn always_refused() -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "token=abc123 refused",
    ))
}

#[test]
fn retries_warn_and_give_ups_error_with_the_documented_fields() {
    let capture = Capture::new(tracing::Level::TRACE);
    assert!(captured(&capture, always_refused).is_err());
    let events = capture.events();
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(
        levels,
        [tracing::Level::WARN, tracing::Level::WARN, tracing::Level::ERROR]
    );
    assert!(events.iter().all(|e| e.target == "retry_runtime"));

    let retry = &events[0];
    assert_eq!(
        retry.names(),
        [
            "code.file.path",
            "code.line.number",
            "error.type",
            "message",
            "retry.attempt",
            "retry.delay_ms",
            "retry.elapsed_ms",
            "retry.max_attempts",
            "retry.site",
        ]
    );
    assert_eq!(retry.get("retry.site"), Some("always_refused"));
    assert_eq!(retry.get("retry.attempt"), Some("1"));
    assert_eq!(retry.get("retry.max_attempts"), Some("3"));
    assert_eq!(retry.get("retry.delay_ms"), Some("10"));
    assert_eq!(events[1].get("retry.delay_ms"), Some("20"));
    assert_eq!(retry.get("error.type"), Some("std::io::error::Error"));
    assert!(
        retry
            .get("code.file.path")
            .is_some_and(|f| f.ends_with("observe.rs"))
    );
    assert_eq!(
        retry.get("message"),
        Some("always_refused: attempt 1/3 failed, retrying in 10ms")
    );

    let give_up = &events[2];
    assert_eq!(
        give_up.names(),
        [
            "code.file.path",
            "code.line.number",
            "error.type",
            "message",
            "retry.attempt",
            "retry.elapsed_ms",
            "retry.max_attempts",
            "retry.reason",
            "retry.site",
        ]
    );
    assert_eq!(give_up.get("retry.attempt"), Some("3"));
    assert_eq!(give_up.get("retry.reason"), Some("exhausted"));
}

#[test]
fn error_messages_are_left_out_unless_opted_in() {
    let capture = Capture::new(tracing::Level::TRACE);
    assert!(captured(&capture, always_refused).is_err());
    for event in capture.events() {
        assert_eq!(event.get("error.message"), None);
        assert!(!event.fields.values().any(|v| v.contains("abc123")), "{event:?}");
    }

    #[retry(max_attempts = 2, base = "1ms", observer = LOGS_WITH_MESSAGES)]
    fn refused_with_messages() -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "token=abc123 refused",
        ))
    }
    let capture = Capture::new(tracing::Level::TRACE);
    assert!(captured(&capture, refused_with_messages).is_err());
    let messages: Vec<_> = capture
        .events()
        .iter()
        .map(|e| e.fields["error.message"].clone())
        .collect();
    assert_eq!(messages, ["token=abc123 refused", "token=abc123 refused"]);
}

#[test]
fn a_success_after_retries_is_info_and_not_retryable_is_the_reason_for_a_permanent_error() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    #[retry(max_attempts = 4, base = "1ms", observer = LOGS, name = "recovers")]
    fn recovers() -> io::Result<u32> {
        match CALLS.fetch_add(1, Ordering::Relaxed) {
            0 => Err(io::ErrorKind::TimedOut.into()),
            1 => Ok(2),
            _ => Err(io::ErrorKind::NotFound.into()),
        }
    }
    let capture = Capture::new(tracing::Level::TRACE);
    assert_eq!(captured(&capture, recovers).ok(), Some(2));
    assert!(captured(&capture, recovers).is_err());
    let events = capture.events();
    assert_eq!(events.len(), 3);
    let success = &events[1];
    assert_eq!(success.level, tracing::Level::INFO);
    assert_eq!(success.get("retry.attempt"), Some("2"));
    assert_eq!(success.get("retry.max_attempts"), Some("4"));
    assert_eq!(success.get("error.type"), None);
    assert_eq!(success.get("message"), Some("recovers: attempt 2/4 succeeded"));
    assert_eq!(events[2].level, tracing::Level::ERROR);
    assert_eq!(events[2].get("retry.reason"), Some("not_retryable"));
    assert_eq!(events[2].get("retry.attempt"), Some("1"));
}

#[test]
fn attempts_limited_by_a_deadline_alone_leave_max_attempts_out() {
    #[retry(deadline = "10s", base = "1ms", observer = LOGS, context = attempt)]
    fn until_third() -> io::Result<u32> {
        if attempt.number() < 3 {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(attempt.number())
    }
    let capture = Capture::new(tracing::Level::TRACE);
    assert_eq!(captured(&capture, until_third).ok(), Some(3));
    let events = capture.events();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.get("retry.max_attempts").is_none()));
    assert_eq!(events[2].get("message"), Some("until_third: attempt 3 succeeded"));
}

#[test]
fn a_failure_without_an_error_value_has_no_error_type() {
    #[retry(max_attempts = 2, base = "1ms", observer = LOGS_WITH_MESSAGES)]
    fn nothing() -> Option<u32> {
        None
    }
    let capture = Capture::new(tracing::Level::TRACE);
    assert_eq!(captured(&capture, nothing), None);
    for event in capture.events() {
        assert_eq!(
            (event.get("error.type"), event.get("error.message")),
            (None, None)
        );
    }
}

#[test]
fn a_disabled_level_formats_nothing() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    #[retry(max_attempts = 3, base = "1ms", observer = LOGS_WITH_MESSAGES)]
    fn leaky_then_fine() -> Result<(), Leaky> {
        if CALLS.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            Err(Leaky)
        } else {
            Ok(())
        }
    }
    // ERROR only: the retry (WARN) and the recovery (INFO) are both disabled.
    let capture = Capture::new(tracing::Level::ERROR);
    assert!(captured(&capture, leaky_then_fine).is_ok());
    assert!(capture.events().is_empty());
    assert_eq!(formatted(), 0);

    // No subscriber at all.
    let _sleeps = instant_sleep();
    assert!(leaky_then_fine().is_ok());
    assert_eq!(formatted(), 0);

    // Enabled: the message is formatted once, for the one event that carries it.
    let capture = Capture::new(tracing::Level::INFO);
    assert!(captured(&capture, leaky_then_fine).is_ok());
    assert_eq!(capture.events().len(), 2);
    assert_eq!(formatted(), 1);
    assert_eq!(
        capture.events()[0].get("error.message"),
        Some("password=hunter2 rejected")
    );
}

#[test]
fn resend_count_is_recorded_on_the_current_span_when_asked() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    #[retry(max_attempts = 5, base = "1ms", observer = LOGS_WITH_RESEND_COUNT)]
    fn third_time_lucky() -> io::Result<()> {
        if CALLS.fetch_add(1, Ordering::Relaxed) % 3 < 2 {
            Err(io::ErrorKind::ConnectionReset.into())
        } else {
            Ok(())
        }
    }
    let capture = Capture::new(tracing::Level::TRACE);
    let span = tracing::subscriber::with_default(Arc::clone(&capture), || {
        let span = tracing::info_span!("request", http.request.resend_count = tracing::field::Empty);
        let _sleeps = instant_sleep();
        let _entered = span.enter();
        assert!(third_time_lucky().is_ok());
        span.clone()
    });
    let fields = capture.span_fields(&span);
    assert_eq!(
        fields.get("http.request.resend_count").map(String::as_str),
        Some("2")
    );

    // A span that does not declare the field is left alone, and nothing breaks.
    let span = tracing::subscriber::with_default(Arc::clone(&capture), || {
        let span = tracing::info_span!("undeclared");
        let _sleeps = instant_sleep();
        let _entered = span.enter();
        assert!(third_time_lucky().is_ok());
        span.clone()
    });
    assert!(capture.span_fields(&span).is_empty());

    // Without the option, the declared field stays empty.
    let span = tracing::subscriber::with_default(Arc::clone(&capture), || {
        let span = tracing::info_span!("request", http.request.resend_count = tracing::field::Empty);
        let _entered = span.enter();
        assert!(captured(&capture, always_refused).is_err());
        span.clone()
    });
    assert!(capture.span_fields(&span).is_empty());
}

#[test]
fn tracing_observer_builders_are_const_and_default_is_new() {
    const QUIET: TracingObserver = TracingObserver::new();
    assert_eq!(QUIET, TracingObserver::default());
    assert_ne!(QUIET, QUIET.with_error_messages(true));
    assert_eq!(QUIET, QUIET.record_resend_count(true).record_resend_count(false));
}

// ---------------------------------------------------------------------------------------------
// MetricsObserver

#[derive(Default)]
struct Store {
    counters: Mutex<BTreeMap<String, u64>>,
    histograms: Mutex<BTreeMap<String, Vec<f64>>>,
    described: Mutex<BTreeMap<String, (Option<metrics::Unit>, String)>>,
}

/// A recorder that renders each series as `name{label=value,…}`.
#[derive(Clone, Default)]
struct Metrics(Arc<Store>);

struct Series {
    name: String,
    store: Arc<Store>,
}

impl metrics::CounterFn for Series {
    fn increment(&self, value: u64) {
        *self
            .store
            .counters
            .lock()
            .unwrap()
            .entry(self.name.clone())
            .or_default() += value;
    }

    fn absolute(&self, value: u64) {
        self.store
            .counters
            .lock()
            .unwrap()
            .insert(self.name.clone(), value);
    }
}

impl metrics::HistogramFn for Series {
    fn record(&self, value: f64) {
        let mut histograms = self.store.histograms.lock().unwrap();
        histograms.entry(self.name.clone()).or_default().push(value);
    }
}

impl Metrics {
    fn series(&self, key: &metrics::Key) -> Arc<Series> {
        let labels: Vec<_> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        Arc::new(Series {
            name: format!("{}{{{}}}", key.name(), labels.join(",")),
            store: Arc::clone(&self.0),
        })
    }

    fn counters(&self) -> BTreeMap<String, u64> {
        self.0.counters.lock().unwrap().clone()
    }

    fn histograms(&self) -> BTreeMap<String, Vec<f64>> {
        self.0.histograms.lock().unwrap().clone()
    }
}

impl metrics::Recorder for Metrics {
    fn describe_counter(
        &self,
        key: metrics::KeyName,
        unit: Option<metrics::Unit>,
        text: metrics::SharedString,
    ) {
        let mut described = self.0.described.lock().unwrap();
        described.insert(key.as_str().to_string(), (unit, text.to_string()));
    }

    fn describe_gauge(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}

    fn describe_histogram(
        &self,
        key: metrics::KeyName,
        unit: Option<metrics::Unit>,
        text: metrics::SharedString,
    ) {
        let mut described = self.0.described.lock().unwrap();
        described.insert(key.as_str().to_string(), (unit, text.to_string()));
    }

    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(self.series(key))
    }

    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }

    fn register_histogram(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::from_arc(self.series(key))
    }
}

static METRICS: MetricsObserver = MetricsObserver::new();

#[test]
fn metrics_count_retries_give_ups_and_recoveries_with_bounded_labels() {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    #[retry(max_attempts = 3, base = "100ms", jitter = "none", observer = METRICS, name = "billing")]
    fn charge() -> io::Result<()> {
        // Fails twice then works, then fails for good (three attempts), then a permanent error.
        match CALLS.fetch_add(1, Ordering::Relaxed) {
            2 => Ok(()),
            6 => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "card 4111-1111 declined",
            )),
            _ => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "card 4111-1111 timed out",
            )),
        }
    }
    let metrics = Metrics::default();
    metrics::with_local_recorder(&metrics, || {
        let _sleeps = instant_sleep();
        assert!(charge().is_ok());
        assert!(charge().is_err());
        assert!(charge().is_err());
    });
    let expected: BTreeMap<String, u64> = [
        ("retry_retries_total{site=billing}", 4),
        ("retry_recovered_total{site=billing}", 1),
        ("retry_giveups_total{site=billing,reason=exhausted}", 1),
        ("retry_giveups_total{site=billing,reason=not_retryable}", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(metrics.counters(), expected);
    let delays = &metrics.histograms()["retry_delay_seconds{site=billing}"];
    assert_eq!(delays, &[0.1, 0.2, 0.1, 0.2]);
    let everything = format!("{:?}{:?}", metrics.counters(), metrics.histograms());
    assert!(
        !everything.contains("4111"),
        "no message reaches a label: {everything}"
    );
}

#[test]
fn metrics_and_logs_show_circuit_breaker_transitions() {
    static FLAKY: CircuitBreaker = CircuitBreaker::new()
        .failure_ratio(0.5)
        .minimum_calls(2)
        .open_for(Duration::from_millis(20));
    static BOTH: Fanout = Fanout::new(&[&METRICS, &LOGS]);
    static HEALTHY: AtomicU32 = AtomicU32::new(0);

    #[retry(max_attempts = 1, breaker = FLAKY, observer = BOTH, name = "inventory")]
    fn reserve() -> io::Result<()> {
        if HEALTHY.load(Ordering::Relaxed) == 1 {
            Ok(())
        } else {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }

    let metrics = Metrics::default();
    let capture = Capture::new(tracing::Level::TRACE);
    metrics::with_local_recorder(&metrics, || {
        captured(&capture, || {
            let _ = reserve();
            let _ = reserve(); // two failures of two calls: the breaker opens
            let refused = reserve().expect_err("fails fast while open");
            assert_eq!(refused.kind(), io::ErrorKind::Other, "{refused}");
            std::thread::sleep(Duration::from_millis(40));
            HEALTHY.store(1, Ordering::Relaxed);
            assert!(reserve().is_ok()); // the probe succeeds: half-open, then closed
        });
    });
    let counters = metrics.counters();
    for state in ["open", "half_open", "closed"] {
        let key = format!("retry_circuit_transitions_total{{site=inventory,state={state}}}");
        assert_eq!(counters.get(&key), Some(&1), "{state}: {counters:?}");
    }
    assert_eq!(
        counters.get("retry_giveups_total{site=inventory,reason=circuit_open}"),
        Some(&1)
    );
    let transitions: Vec<_> = capture
        .events()
        .into_iter()
        .filter_map(|e| Some((e.level, e.get("retry.circuit.state")?.to_string())))
        .collect();
    assert_eq!(
        transitions,
        [
            (tracing::Level::WARN, "open".to_string()),
            (tracing::Level::INFO, "half_open".to_string()),
            (tracing::Level::INFO, "closed".to_string()),
        ]
    );
}

#[test]
fn describe_gives_every_metric_a_unit_and_a_help_text() {
    let metrics = Metrics::default();
    metrics::with_local_recorder(&metrics, || METRICS.describe());
    let described = metrics.0.described.lock().unwrap().clone();
    let names: Vec<_> = described.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "retry_circuit_transitions_total",
            "retry_delay_seconds",
            "retry_giveups_total",
            "retry_recovered_total",
            "retry_retries_total",
        ]
    );
    assert_eq!(described["retry_delay_seconds"].0, Some(metrics::Unit::Seconds));
    assert!(described.values().all(|(_, help)| !help.is_empty()));
}

#[test]
fn metrics_observer_without_a_recorder_does_nothing_and_does_not_panic() {
    #[retry(max_attempts = 2, base = "1ms", observer = METRICS)]
    fn down() -> io::Result<()> {
        Err(io::ErrorKind::TimedOut.into())
    }
    let _sleeps = instant_sleep();
    assert!(down().is_err());
}

// ---------------------------------------------------------------------------------------------
// Fanout

#[test]
fn fanout_delivers_to_each_observer_in_order_and_contains_panics_one_by_one() {
    static ORDER: AtomicU64 = AtomicU64::new(0);
    struct Stamp(u64);
    impl Observer for Stamp {
        fn on_event(&self, _: &Event, _: Option<ErrorView<'_>>) {
            // Shifts in this observer's digit: the sequence of digits is the delivery order.
            let _ = ORDER.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| Some(o * 10 + self.0));
        }
    }
    struct Panics;
    impl Observer for Panics {
        fn on_event(&self, _: &Event, _: Option<ErrorView<'_>>) {
            panic!("an observer bug");
        }
    }
    static FIRST: Recorder = Recorder::new();
    static LAST: Recorder = Recorder::new();
    static ALL: Fanout = Fanout::new(&[&Stamp(1), &FIRST, &Panics, &Stamp(2), &LAST]);

    #[retry(max_attempts = 2, base = "1ms", observer = ALL)]
    fn down() -> Result<(), String> {
        Err("down".into())
    }
    let _sleeps = instant_sleep();
    assert!(down().is_err());
    let kinds: Vec<_> = LAST.events().iter().map(Event::kind).collect();
    assert_eq!(kinds, [EventKind::Retry, EventKind::GiveUp]);
    assert_eq!(FIRST.events(), LAST.events());
    assert_eq!(ORDER.load(Ordering::Relaxed), 1212);
    assert_eq!(ALL.observers().len(), 5);
    assert_eq!(format!("{ALL:?}"), "Fanout { observers: 5 }");
}

#[test]
fn an_empty_fanout_is_a_no_op() {
    static NONE: Fanout = Fanout::new(&[]);
    #[retry(max_attempts = 2, base = "1ms", observer = NONE)]
    fn down() -> Result<(), String> {
        Err("down".into())
    }
    let _sleeps = instant_sleep();
    assert!(down().is_err());
}
