//! Every key of the attribute on sync functions, asserted through the events a site reports and
//! the delays it sleeps. Each test owns its `static` recorder and its functions, so tests can run
//! in parallel without seeing each other's events; sleeps are made instant (and recorded) per
//! thread, and jitter is either off or seeded so that every number below is exact.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{
    Attempt, BlockingSleeper, EventKind, GiveUpReason, IdempotencyKey, Jitter, Policy, Transient, retry,
};

use retry_tests::trace::{gave_up, ms, retried, succeeded, trace};

fn ms_list<const N: usize>(values: [u64; N]) -> Vec<Duration> {
    values.map(ms).to_vec()
}

/// The delays announced by the retry events, which must be the ones actually slept.
fn announced(recorder: &Recorder) -> Vec<Duration> {
    recorder.events().iter().filter_map(|e| e.delay()).collect()
}

// ---------------------------------------------------------------------------------------------
// Error types used by the classification tests.

#[derive(Debug, PartialEq)]
struct Timeout;
impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}
impl Error for Timeout {}

#[derive(Debug, PartialEq)]
struct Refused;
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused")
    }
}
impl Error for Refused {}

#[derive(Debug, PartialEq)]
struct Fatal;
impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fatal")
    }
}
impl Error for Fatal {}

/// An application error that wraps the cause two levels deep, so `on` must walk `source()`.
#[derive(Debug)]
enum AppError {
    Timeout(Layer<Timeout>),
    Refused(Layer<Refused>),
    Fatal(Layer<Fatal>),
    Plain,
}
impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("app error")
    }
}
impl Error for AppError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            AppError::Timeout(l) => Some(l),
            AppError::Refused(l) => Some(l),
            AppError::Fatal(l) => Some(l),
            AppError::Plain => None,
        }
    }
}

#[derive(Debug)]
struct Layer<E>(E);
impl<E> fmt::Display for Layer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("layer")
    }
}
impl<E: Error + 'static> Error for Layer<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn app(kind: &str) -> AppError {
    match kind {
        "timeout" => AppError::Timeout(Layer(Timeout)),
        "refused" => AppError::Refused(Layer(Refused)),
        "fatal" => AppError::Fatal(Layer(Fatal)),
        _ => AppError::Plain,
    }
}

/// Fails with the next scripted error, then succeeds once the script runs out.
fn scripted(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
    if script.is_empty() {
        Ok(0)
    } else {
        Err(app(script.remove(0)))
    }
}

// ---------------------------------------------------------------------------------------------
// max_attempts

#[test]
fn max_attempts_counts_every_attempt_and_gives_up_exhausted() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", jitter = "none", observer = REC)]
    fn always_fails(calls: &mut u32) -> Result<(), String> {
        *calls += 1;
        Err(format!("failure {calls}"))
    }

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(always_fails(&mut calls), Err("failure 4".to_string()));
    assert_eq!(calls, 4);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 10),
            retried(2, 20),
            retried(3, 40),
            gave_up(4, GiveUpReason::Exhausted)
        ]
    );
    assert!(REC.events().iter().all(|e| e.max_attempts() == 4));
    assert_eq!(sleeps.delays(), ms_list([10, 20, 40]));
}

#[test]
fn max_attempts_one_never_retries() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 1, base = "10ms", jitter = "none", observer = REC)]
    fn once(calls: &mut u32) -> Result<(), String> {
        *calls += 1;
        Err("down".into())
    }

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(once(&mut calls).is_err());
    assert_eq!(calls, 1);
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::Exhausted)]);
    assert!(sleeps.delays().is_empty());
}

#[test]
fn success_after_retries_reports_the_attempt_that_succeeded() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "10ms", jitter = "none", observer = REC)]
    fn third_time_lucky(calls: &mut u32) -> Result<u32, String> {
        *calls += 1;
        if *calls < 3 {
            Err("not yet".into())
        } else {
            Ok(*calls)
        }
    }

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(third_time_lucky(&mut calls), Ok(3));
    assert_eq!(trace(&REC), [retried(1, 10), retried(2, 20), succeeded(3)]);
    assert_eq!(sleeps.delays(), ms_list([10, 20]));
}

#[test]
fn first_attempt_success_is_silent() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "10ms", jitter = "none", observer = REC)]
    fn fine() -> Result<u32, String> {
        Ok(7)
    }

    let sleeps = testing::instant_sleep();
    assert_eq!(fine(), Ok(7));
    assert!(REC.events().is_empty());
    assert!(sleeps.delays().is_empty());
}

#[test]
fn bare_attribute_uses_the_documented_defaults() {
    static REC: Recorder = Recorder::new();
    #[retry(observer = REC)]
    fn defaults(calls: &mut u32) -> Result<(), String> {
        *calls += 1;
        Err("down".into())
    }

    let _seed = testing::seed(7);
    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(defaults(&mut calls).is_err());
    // 3 attempts; full jitter below the 100ms, 200ms schedule.
    assert_eq!(calls, 3);
    let delays = sleeps.delays();
    assert_eq!(delays.len(), 2);
    assert!(delays[0] <= ms(100) && delays[1] <= ms(200), "{delays:?}");
    let events = REC.events();
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].reason(), Some(GiveUpReason::Exhausted));
    assert!(
        events
            .iter()
            .all(|e| e.max_attempts() == 3 && e.name() == "defaults")
    );
}

// ---------------------------------------------------------------------------------------------
// base, backoff, factor, max_delay

#[test]
fn each_backoff_has_its_documented_first_delays() {
    static EXP: Recorder = Recorder::new();
    static CONST: Recorder = Recorder::new();
    static LIN: Recorder = Recorder::new();
    static FIB: Recorder = Recorder::new();

    #[retry(max_attempts = 5, base = "10ms", jitter = "none", backoff = "exponential", observer = EXP)]
    fn exponential() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 5, base = "10ms", jitter = "none", backoff = "constant", observer = CONST)]
    fn constant() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 5, base = "10ms", jitter = "none", backoff = "linear", observer = LIN)]
    fn linear() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 8, base = "10ms", jitter = "none", backoff = "fibonacci", observer = FIB)]
    fn fibonacci() -> Result<(), ()> {
        Err(())
    }

    type Case = (fn() -> Result<(), ()>, &'static Recorder, Vec<Duration>);
    let cases: [Case; 4] = [
        (exponential, &EXP, ms_list([10, 20, 40, 80])),
        (constant, &CONST, ms_list([10, 10, 10, 10])),
        (linear, &LIN, ms_list([10, 20, 30, 40])),
        (fibonacci, &FIB, ms_list([10, 10, 20, 30, 50, 80, 130])),
    ];
    for (f, recorder, expected) in cases {
        let sleeps = testing::instant_sleep();
        assert!(f().is_err());
        assert_eq!(sleeps.delays(), expected);
        assert_eq!(announced(recorder), expected);
        let last = recorder.events().last().cloned().unwrap();
        assert_eq!(last.kind(), EventKind::GiveUp);
        assert_eq!(last.attempt() as usize, expected.len() + 1);
    }
}

#[test]
fn base_accepts_every_unit() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "1.5s", jitter = "none", observer = REC)]
    fn seconds() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 2, base = "250us", jitter = "none", observer = REC)]
    fn micros() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 2, base = "2m", max_delay = "1h", jitter = "none", observer = REC)]
    fn minutes() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    let _ = seconds();
    let _ = micros();
    let _ = minutes();
    assert_eq!(
        sleeps.delays(),
        [
            Duration::from_millis(1500),
            Duration::from_micros(250),
            Duration::from_secs(120)
        ]
    );
}

#[test]
fn a_zero_base_retries_at_once_through_the_sites_own_loop() {
    // A zero base gives a site a loop of its own in an optimised build (CI runs this file
    // optimised too), unless an observer of its own sends every failure the long way anyway:
    // either way, every promise the shared loop keeps is kept.
    static REC: Recorder = Recorder::new();
    static SLEPT: AtomicU32 = AtomicU32::new(0);
    struct Counting;
    impl BlockingSleeper for Counting {
        fn sleep(&self, _: Duration) {
            SLEPT.fetch_add(1, Ordering::Relaxed);
        }
    }
    static COUNTING: Counting = Counting;
    fn retryable(e: &AppError) -> bool {
        !matches!(e, AppError::Fatal(_))
    }
    #[retry(max_attempts = 4, base = "0ns", observer = REC, when = retryable)]
    fn observed(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }
    #[retry(max_attempts = 4, base = "0s", backoff = "constant", sleeper = COUNTING, when = retryable)]
    fn own_sleeper(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }
    #[retry(max_attempts = 4, base = "0ms", jitter = "decorrelated", when = retryable)]
    fn plain(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let sleeps = testing::instant_sleep();
    assert!(observed(&mut vec!["timeout", "refused"]).is_ok());
    assert_eq!(trace(&REC), [retried(1, 0), retried(2, 0), succeeded(3)]);
    REC.clear();
    assert!(matches!(
        observed(&mut vec!["timeout", "fatal"]),
        Err(AppError::Fatal(_))
    ));
    assert_eq!(
        trace(&REC),
        [retried(1, 0), gave_up(2, GiveUpReason::NotRetryable)]
    );
    REC.clear();
    assert!(observed(&mut vec!["timeout"; 4]).is_err());
    assert_eq!(trace(&REC).last(), Some(&gave_up(4, GiveUpReason::Exhausted)));

    for run in [own_sleeper, plain] {
        let mut script = vec!["timeout", "refused", "timeout"];
        assert!(matches!(run(&mut script), Ok(0)));
        assert!(script.is_empty());
        let mut script = vec!["timeout"; 5];
        assert!(run(&mut script).is_err());
        assert_eq!(script.len(), 1, "four attempts");
        let mut script = vec!["fatal", "timeout"];
        assert!(run(&mut script).is_err());
        assert_eq!(script.len(), 1, "one attempt");
    }
    // Zero delays are skipped, never slept, by either sleeper.
    assert_eq!(SLEPT.load(Ordering::Relaxed), 0);
    assert!(sleeps.delays().is_empty());
}

#[test]
fn factor_sets_the_exponential_growth() {
    static TRIPLE: Recorder = Recorder::new();
    static HALF_AGAIN: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", factor = 3.0, jitter = "none", observer = TRIPLE)]
    fn triple() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 4, base = "100ms", factor = 1.5, jitter = "none", observer = HALF_AGAIN)]
    fn half_again() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 4, base = "10ms", factor = 1.0, jitter = "none")]
    fn flat() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    let _ = triple();
    assert_eq!(announced(&TRIPLE), ms_list([10, 30, 90]));
    let _ = half_again();
    assert_eq!(announced(&HALF_AGAIN), ms_list([100, 150, 225]));
    let _ = flat();
    assert_eq!(sleeps.delays(), ms_list([10, 30, 90, 100, 150, 225, 10, 10, 10]));
}

#[test]
fn max_delay_caps_every_backoff() {
    static EXP: Recorder = Recorder::new();
    static LIN: Recorder = Recorder::new();
    static FIB: Recorder = Recorder::new();
    #[retry(max_attempts = 6, base = "10ms", max_delay = "25ms", jitter = "none", observer = EXP)]
    fn exponential() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 6, base = "10ms", max_delay = "25ms", backoff = "linear", jitter = "none", observer = LIN)]
    fn linear() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 7, base = "10ms", max_delay = "25ms", backoff = "fibonacci", jitter = "none", observer = FIB)]
    fn fibonacci() -> Result<(), ()> {
        Err(())
    }

    let _sleeps = testing::instant_sleep();
    let _ = exponential();
    let _ = linear();
    let _ = fibonacci();
    assert_eq!(announced(&EXP), ms_list([10, 20, 25, 25, 25]));
    assert_eq!(announced(&LIN), ms_list([10, 20, 25, 25, 25]));
    assert_eq!(announced(&FIB), ms_list([10, 10, 20, 25, 25, 25]));
}

#[test]
fn max_delay_caps_jittered_delays_too() {
    static REC: Recorder = Recorder::new();
    // Decorrelated jitter grows from the previous delay, not the schedule: the cap is what
    // keeps it bounded.
    #[retry(max_attempts = 40, base = "10ms", max_delay = "35ms", jitter = "decorrelated", observer = REC)]
    fn decorrelated() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 40, base = "10ms", max_delay = "35ms", jitter = "full", observer = REC)]
    fn full() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 40, base = "10ms", max_delay = "35ms", jitter = "equal", observer = REC)]
    fn equal() -> Result<(), ()> {
        Err(())
    }

    let _seed = testing::seed(11);
    let sleeps = testing::instant_sleep();
    let _ = decorrelated();
    let _ = full();
    let _ = equal();
    let delays = sleeps.delays();
    assert_eq!(delays.len(), 3 * 39);
    assert!(delays.iter().all(|d| *d <= ms(35)), "{delays:?}");
    assert_eq!(announced(&REC), delays);
}

// ---------------------------------------------------------------------------------------------
// jitter

/// 20 delays of a constant 100ms schedule under `jitter`, seeded.
fn jittered(seed: u64, run: fn() -> Result<(), ()>) -> Vec<Duration> {
    let _seed = testing::seed(seed);
    let sleeps = testing::instant_sleep();
    assert!(run().is_err());
    sleeps.delays()
}

#[retry(max_attempts = 21, base = "100ms", backoff = "constant", jitter = "full")]
fn full_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 21, base = "100ms", backoff = "constant", jitter = "equal")]
fn equal_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 21, base = "10ms", max_delay = "1s", jitter = "decorrelated")]
fn decorrelated_jitter() -> Result<(), ()> {
    Err(())
}

#[retry(max_attempts = 21, base = "100ms", backoff = "constant", jitter = "none")]
fn no_jitter() -> Result<(), ()> {
    Err(())
}

fn distinct(delays: &[Duration]) -> usize {
    let mut sorted = delays.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.len()
}

#[test]
fn full_jitter_spreads_over_zero_to_v() {
    let delays = jittered(1, full_jitter);
    assert_eq!(delays.len(), 20);
    assert!(delays.iter().all(|d| *d <= ms(100)), "{delays:?}");
    // Jitter silently off (exponential-backoff 2.1.0) would give 100ms every time.
    assert!(delays.iter().any(|d| *d != ms(100)), "{delays:?}");
    assert!(distinct(&delays) > 10, "{delays:?}");
    assert!(
        delays.iter().any(|d| *d < ms(50)),
        "never in the lower half: {delays:?}"
    );
}

#[test]
fn equal_jitter_stays_in_the_upper_half() {
    let delays = jittered(2, equal_jitter);
    assert_eq!(delays.len(), 20);
    assert!(delays.iter().all(|d| *d >= ms(50) && *d <= ms(100)), "{delays:?}");
    assert!(distinct(&delays) > 10, "{delays:?}");
}

#[test]
fn decorrelated_jitter_stays_between_base_and_three_times_the_previous() {
    let delays = jittered(3, decorrelated_jitter);
    assert_eq!(delays.len(), 20);
    let mut previous = ms(10);
    for d in &delays {
        assert!(*d >= ms(10) && *d <= ms(1000), "{delays:?}");
        assert!(
            *d <= (previous * 3).min(ms(1000)),
            "{d:?} after {previous:?}: {delays:?}"
        );
        previous = *d;
    }
    assert!(distinct(&delays) > 10, "{delays:?}");
}

#[test]
fn no_jitter_is_exact() {
    assert_eq!(jittered(4, no_jitter), vec![ms(100); 20]);
}

#[test]
fn the_same_seed_reproduces_the_same_delays() {
    let runs: [fn() -> Result<(), ()>; 3] = [full_jitter, equal_jitter, decorrelated_jitter];
    for run in runs {
        let first = jittered(42, run);
        assert_eq!(jittered(42, run), first);
        assert_ne!(jittered(43, run), first);
    }
}

// ---------------------------------------------------------------------------------------------
// on, when, unless

#[test]
fn on_retries_a_type_found_deep_in_the_source_chain() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "1ms", jitter = "none", on = Timeout, observer = REC)]
    fn fetch(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec!["timeout", "timeout"];
    assert_eq!(fetch(&mut script).unwrap(), 0);
    assert_eq!(trace(&REC), [retried(1, 1), retried(2, 2), succeeded(3)]);
}

#[test]
fn on_does_not_retry_other_types() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "1ms", jitter = "none", on = Timeout, observer = REC)]
    fn fetch(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let sleeps = testing::instant_sleep();
    for (first, expected) in [("refused", "refused"), ("plain", "plain")] {
        REC.clear();
        let mut script = vec![first, "timeout"];
        let err = fetch(&mut script).unwrap_err();
        assert_eq!(script, ["timeout"], "{expected}: only one attempt ran");
        assert!(!matches!(err, AppError::Timeout(_)));
        assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)]);
        assert_eq!(
            REC.events()[0].error_type(),
            Some(std::any::type_name::<AppError>())
        );
    }
    assert!(sleeps.delays().is_empty());
}

#[test]
fn on_accepts_a_list_of_types() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", on = [Timeout, Refused], observer = REC)]
    fn fetch(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec!["timeout", "refused", "fatal", "timeout"];
    assert!(matches!(fetch(&mut script), Err(AppError::Fatal(_))));
    assert_eq!(script, ["timeout"]);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn on_looks_inside_io_errors_made_with_a_payload() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", on = Timeout, observer = REC)]
    fn read(calls: &mut u32) -> io::Result<u32> {
        *calls += 1;
        match *calls {
            // `io::Error::new` hides its payload from `source()`.
            1 => Err(io::Error::new(io::ErrorKind::TimedOut, Timeout)),
            2 => Err(io::Error::other(Layer(Timeout))),
            _ => Err(io::Error::other(Fatal)),
        }
    }

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    let err = read(&mut calls).unwrap_err();
    assert_eq!(calls, 3);
    assert!(err.get_ref().unwrap().is::<Fatal>());
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn on_replaces_the_transient_rule() {
    static REC: Recorder = Recorder::new();
    // NotFound is permanent by io::Error's Transient impl; naming the type in `on` retries it.
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", on = io::Error, observer = REC)]
    fn open() -> io::Result<()> {
        Err(io::ErrorKind::NotFound.into())
    }

    let _sleeps = testing::instant_sleep();
    assert!(open().is_err());
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)]
    );
}

#[test]
fn when_closure_can_read_the_arguments() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", when = |code| *code < limit, observer = REC)]
    fn request(limit: u16, codes: &mut Vec<u16>) -> Result<(), u16> {
        Err(codes.remove(0))
    }

    let _sleeps = testing::instant_sleep();
    let mut codes = vec![429, 503, 404, 500];
    assert_eq!(request(500, &mut codes), Err(503));
    assert_eq!(codes, [404, 500]);
    assert_eq!(
        trace(&REC),
        [retried(1, 1), gave_up(2, GiveUpReason::NotRetryable)]
    );

    REC.clear();
    let mut codes = vec![429, 503, 404, 500, 501];
    assert_eq!(request(600, &mut codes), Err(501));
    assert!(codes.is_empty());
    assert_eq!(REC.events().len(), 5);
    assert_eq!(REC.events()[4].reason(), Some(GiveUpReason::Exhausted));
}

fn is_server_error(code: &u16) -> bool {
    (500..600).contains(code)
}

#[test]
fn when_accepts_a_fn_path() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", when = is_server_error, observer = REC)]
    fn request(codes: &mut Vec<u16>) -> Result<(), u16> {
        Err(codes.remove(0))
    }

    let _sleeps = testing::instant_sleep();
    let mut codes = vec![500, 502, 404, 503];
    assert_eq!(request(&mut codes), Err(404));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn when_replaces_the_transient_rule() {
    static REC: Recorder = Recorder::new();
    // NotFound is permanent for io::Error's Transient impl, but `when` has the last word.
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", when = |e| e.kind() == io::ErrorKind::NotFound, observer = REC)]
    fn lookup() -> io::Result<()> {
        Err(io::ErrorKind::NotFound.into())
    }

    let _sleeps = testing::instant_sleep();
    assert!(lookup().is_err());
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)]
    );
}

#[test]
fn on_and_when_must_both_agree() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", on = Timeout, when = |_e| allow, observer = REC)]
    fn fetch(allow: bool, script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec!["timeout", "refused"];
    assert!(fetch(false, &mut script).is_err());
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)]);
    REC.clear();
    assert!(matches!(fetch(true, &mut script), Err(AppError::Refused(_))));
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)]);
    REC.clear();
    let mut script = vec!["timeout"];
    assert_eq!(fetch(true, &mut script).unwrap(), 0);
    assert_eq!(trace(&REC), [retried(1, 1), succeeded(2)]);
}

#[test]
fn unless_overrides_on() {
    static REC: Recorder = Recorder::new();
    // Fatal sits in the chain of an error `on` accepts: `unless` still wins.
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", on = AppError, unless = Fatal, observer = REC)]
    fn fetch(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec!["timeout", "plain", "fatal", "timeout"];
    assert!(matches!(fetch(&mut script), Err(AppError::Fatal(_))));
    assert_eq!(script, ["timeout"]);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn unless_alone_keeps_the_default_rule_for_the_rest() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", unless = [Fatal, Refused], observer = REC)]
    fn fetch(script: &mut Vec<&'static str>) -> Result<u32, AppError> {
        scripted(script)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec!["timeout", "plain", "refused", "timeout"];
    assert!(matches!(fetch(&mut script), Err(AppError::Refused(_))));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn unless_beats_when() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", when = |_| true, unless = io::Error, observer = REC)]
    fn read() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(Box::new(io::Error::from(io::ErrorKind::TimedOut)))
    }

    let _sleeps = testing::instant_sleep();
    assert!(read().is_err());
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)]);
}

// ---------------------------------------------------------------------------------------------
// until

#[test]
fn until_polls_until_the_value_is_ready() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 10, base = "5ms", backoff = "constant", jitter = "none", until = |status| *status == "ready", observer = REC)]
    fn status(polls: &mut u32) -> Result<&'static str, String> {
        *polls += 1;
        Ok(if *polls < 4 { "pending" } else { "ready" })
    }

    let sleeps = testing::instant_sleep();
    let mut polls = 0;
    assert_eq!(status(&mut polls), Ok("ready"));
    assert_eq!(polls, 4);
    assert_eq!(
        trace(&REC),
        [retried(1, 5), retried(2, 5), retried(3, 5), succeeded(4)]
    );
    // A rejected value is not an error: the events carry no error type.
    assert!(REC.events().iter().all(|e| e.error_type().is_none()));
    assert_eq!(sleeps.delays(), ms_list([5, 5, 5]));
}

#[test]
fn until_returns_the_last_value_when_attempts_run_out() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "5ms", jitter = "none", until = |n| *n >= 100, observer = REC)]
    fn progress(polls: &mut u32) -> Result<u32, String> {
        *polls += 1;
        Ok(*polls * 10)
    }

    let _sleeps = testing::instant_sleep();
    let mut polls = 0;
    assert_eq!(progress(&mut polls), Ok(30));
    assert_eq!(
        trace(&REC),
        [retried(1, 5), retried(2, 10), gave_up(3, GiveUpReason::Exhausted)]
    );
}

fn is_even(n: &u32) -> bool {
    n.is_multiple_of(2)
}

#[test]
fn until_accepts_a_fn_path_and_errors_still_classify() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 6, base = "1ms", jitter = "none", until = is_even, observer = REC)]
    fn poll(script: &mut Vec<io::Result<u32>>) -> io::Result<u32> {
        script.remove(0)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec![
        Ok(1),
        Err(io::ErrorKind::TimedOut.into()),
        Ok(3),
        Err(io::ErrorKind::NotFound.into()),
        Ok(4),
    ];
    assert_eq!(poll(&mut script).unwrap_err().kind(), io::ErrorKind::NotFound);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            retried(3, 4),
            gave_up(4, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn until_on_an_option() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", until = |v| *v > 1, observer = REC)]
    fn poll(script: &mut Vec<Option<u32>>) -> Option<u32> {
        script.remove(0)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec![None, Some(1), Some(2), Some(3)];
    assert_eq!(poll(&mut script), Some(2));
    assert_eq!(trace(&REC), [retried(1, 1), retried(2, 2), succeeded(3)]);
}

// ---------------------------------------------------------------------------------------------
// retry_after

#[derive(Debug)]
struct Busy {
    wait: Option<Duration>,
}

#[test]
fn retry_after_hint_replaces_the_delay_without_jitter() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", jitter = "full", retry_after = |e| e.wait, observer = REC)]
    fn call(script: &mut Vec<Busy>) -> Result<(), Busy> {
        Err(script.remove(0))
    }

    let _seed = testing::seed(5);
    let sleeps = testing::instant_sleep();
    let mut script = vec![
        Busy { wait: Some(ms(70)) },
        Busy { wait: None },
        Busy { wait: Some(ms(33)) },
        Busy { wait: None },
    ];
    assert!(call(&mut script).is_err());
    let delays = sleeps.delays();
    assert_eq!(delays.len(), 3);
    assert_eq!(delays[0], ms(70));
    // No hint: the schedule's second delay (20ms) with full jitter.
    assert!(delays[1] <= ms(20));
    assert_eq!(delays[2], ms(33));
    assert_eq!(announced(&REC), delays);
}

#[test]
fn retry_after_hint_is_capped_at_max_delay() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", max_delay = "50ms", jitter = "none", retry_after = |_e| Some(Duration::from_secs(3600)), observer = REC)]
    fn call() -> Result<(), String> {
        Err("rate limited".into())
    }

    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(sleeps.delays(), ms_list([50, 50]));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 50),
            retried(2, 50),
            gave_up(3, GiveUpReason::Exhausted)
        ]
    );
}

#[test]
fn a_zero_hint_retries_at_once_without_sleeping() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "10ms", jitter = "none", retry_after = |_e| Some(Duration::ZERO), observer = REC)]
    fn call() -> Result<(), String> {
        Err("now".into())
    }

    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert!(sleeps.delays().is_empty(), "{:?}", sleeps.delays());
    assert_eq!(
        trace(&REC),
        [retried(1, 0), retried(2, 0), gave_up(3, GiveUpReason::Exhausted)]
    );
}

fn hint_of(e: &Busy) -> Option<Duration> {
    e.wait
}

#[test]
fn retry_after_accepts_a_fn_path() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "10ms", jitter = "none", retry_after = hint_of, observer = REC)]
    fn call() -> Result<(), Busy> {
        Err(Busy { wait: Some(ms(12)) })
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(trace(&REC), [retried(1, 12), gave_up(2, GiveUpReason::Exhausted)]);
}

/// A service error that knows whether it is worth retrying and how long the server asked to
/// wait.
#[derive(Debug)]
enum ServiceError {
    RateLimited(Duration),
    Unavailable,
    BadRequest,
}

impl Transient for ServiceError {
    fn is_transient(&self) -> bool {
        !matches!(self, ServiceError::BadRequest)
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            ServiceError::RateLimited(wait) => Some(*wait),
            _ => None,
        }
    }
}

#[test]
fn transient_impl_classifies_and_hints() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "10ms", max_delay = "1s", jitter = "none", observer = REC)]
    fn call(script: &mut Vec<ServiceError>) -> Result<(), ServiceError> {
        Err(script.remove(0))
    }

    let sleeps = testing::instant_sleep();
    let mut script = vec![
        ServiceError::RateLimited(ms(250)),
        ServiceError::Unavailable,
        ServiceError::RateLimited(Duration::from_secs(30)),
        ServiceError::BadRequest,
    ];
    assert!(matches!(call(&mut script), Err(ServiceError::BadRequest)));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 250),
            retried(2, 20),
            retried(3, 1000),
            gave_up(4, GiveUpReason::NotRetryable)
        ]
    );
    assert_eq!(sleeps.delays(), ms_list([250, 20, 1000]));
}

// ---------------------------------------------------------------------------------------------
// deadline

#[test]
fn deadline_gives_up_before_a_delay_would_pass_it() {
    static REC: Recorder = Recorder::new();
    // Sleeps are instant, so the clock stays near zero: 10 + 20 + 40 each fit on their own,
    // 80ms does not.
    #[retry(max_attempts = 10, base = "10ms", deadline = "65ms", jitter = "none", observer = REC)]
    fn call(calls: &mut u32) -> Result<(), String> {
        *calls += 1;
        Err("down".into())
    }

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(call(&mut calls).is_err());
    assert_eq!(calls, 4);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 10),
            retried(2, 20),
            retried(3, 40),
            gave_up(4, GiveUpReason::Deadline)
        ]
    );
    assert_eq!(sleeps.delays(), ms_list([10, 20, 40]));
}

#[test]
fn deadline_shorter_than_the_first_delay_gives_up_at_once() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 10, base = "200ms", deadline = "100ms", jitter = "none", observer = REC)]
    fn call() -> Result<(), String> {
        Err("down".into())
    }

    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::Deadline)]);
    assert!(sleeps.delays().is_empty());
}

#[test]
fn deadline_alone_allows_unlimited_attempts_within_it() {
    static REC: Recorder = Recorder::new();
    // Real 2ms sleeps: the engine's clock is the real one, so only real time reaches the
    // deadline. The count is bounded by the deadline; the assertion in the body bounds it too.
    #[retry(deadline = "60ms", base = "2ms", backoff = "constant", jitter = "none", observer = REC)]
    fn call(calls: &mut u32) -> Result<(), String> {
        *calls += 1;
        assert!(*calls < 1_000, "the deadline did not stop the loop");
        Err("down".into())
    }

    let started = Instant::now();
    let mut calls = 0;
    assert!(call(&mut calls).is_err());
    let took = started.elapsed();
    // More than the default 3 attempts: the deadline alone limits them.
    assert!(calls > 3, "{calls} attempts");
    let events = REC.events();
    assert_eq!(events.len() as u32, calls);
    assert!(events.iter().all(|e| e.max_attempts() == u32::MAX));
    let (last, retries) = events.split_last().unwrap();
    assert_eq!(last.kind(), EventKind::GiveUp);
    assert_eq!(last.reason(), Some(GiveUpReason::Deadline));
    assert_eq!(last.attempt(), calls);
    for e in retries {
        assert_eq!(e.kind(), EventKind::Retry);
        assert!(e.elapsed() + e.delay().unwrap() <= ms(60), "{e:?}");
    }
    // It gave up because the next 2ms would end past 60ms.
    assert!(last.elapsed() + ms(2) > ms(60), "{last:?}");
    assert!(took >= ms(58), "{took:?}");
    assert!(took < ms(2_000), "{took:?}");
}

#[test]
fn deadline_with_max_attempts_stops_at_whichever_comes_first() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", deadline = "1h", jitter = "none", observer = REC)]
    fn call() -> Result<(), String> {
        Err("down".into())
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)]
    );
}

// ---------------------------------------------------------------------------------------------
// name, observer, sleeper

#[test]
fn name_labels_the_events_and_defaults_to_the_fn_name() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "1ms", name = "fetch_user", observer = REC)]
    fn named() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 2, base = "1ms", observer = REC)]
    fn unnamed() -> Result<(), ()> {
        Err(())
    }

    let _sleeps = testing::instant_sleep();
    let _ = named();
    let _ = unnamed();
    let names: Vec<_> = REC.events().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["fetch_user", "fetch_user", "unnamed", "unnamed"]);
    let event = &REC.events()[0];
    assert_eq!(event.file(), file!());
    assert_eq!(event.module(), "keys_sync");
}

struct Global;
static GLOBAL_EVENTS: Mutex<Vec<retry_runtime::Event>> = Mutex::new(Vec::new());
impl retry_runtime::Observer for Global {
    fn on_event(&self, event: &retry_runtime::Event, _: Option<retry_runtime::ErrorView<'_>>) {
        // Every test of this binary may report here; keep only this test's site.
        if event.name() == "global_observer_site" {
            GLOBAL_EVENTS.lock().unwrap().push(event.clone());
        }
    }
}
static GLOBAL: Global = Global;

#[test]
fn observer_key_overrides_the_global_observer() {
    static MINE: Recorder = Recorder::new();
    #[retry(
        max_attempts = 2,
        base = "1ms",
        jitter = "none",
        name = "global_observer_site"
    )]
    fn to_global() -> Result<(), ()> {
        Err(())
    }
    #[retry(max_attempts = 2, base = "1ms", jitter = "none", name = "global_observer_site", observer = MINE)]
    fn to_mine() -> Result<(), ()> {
        Err(())
    }

    // The only test that installs one; other tests name their own observer.
    retry_runtime::set_observer(&GLOBAL).unwrap();
    assert!(retry_runtime::set_observer(&GLOBAL).is_err());
    let _sleeps = testing::instant_sleep();
    let _ = to_global();
    let _ = to_mine();
    let global: Vec<_> = GLOBAL_EVENTS
        .lock()
        .unwrap()
        .iter()
        .map(|e| (e.kind(), e.attempt(), e.reason(), e.delay()))
        .collect();
    assert_eq!(global, [retried(1, 1), gave_up(2, GiveUpReason::Exhausted)]);
    assert_eq!(trace(&MINE), [retried(1, 1), gave_up(2, GiveUpReason::Exhausted)]);
}

#[test]
fn a_panicking_observer_does_not_stop_the_call() {
    struct Boom;
    impl retry_runtime::Observer for Boom {
        fn on_event(&self, _: &retry_runtime::Event, _: Option<retry_runtime::ErrorView<'_>>) {
            panic!("observer bug");
        }
    }
    static BOOM: Boom = Boom;
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", observer = BOOM)]
    fn call(calls: &mut u32) -> Result<u32, String> {
        *calls += 1;
        if *calls < 3 { Err("no".into()) } else { Ok(*calls) }
    }

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(call(&mut calls), Ok(3));
}

#[test]
fn observer_sees_the_error_through_an_error_view() {
    struct Messages(Mutex<Vec<(String, Vec<String>, &'static str)>>);
    impl retry_runtime::Observer for Messages {
        fn on_event(&self, _: &retry_runtime::Event, error: Option<retry_runtime::ErrorView<'_>>) {
            if let Some(error) = error {
                let sources = error.sources().map(|s| s.to_string()).collect();
                self.0
                    .lock()
                    .unwrap()
                    .push((error.to_string(), sources, error.type_name()));
            }
        }
    }
    static SEEN: Messages = Messages(Mutex::new(Vec::new()));
    #[retry(max_attempts = 2, base = "1ms", jitter = "none", observer = SEEN)]
    fn call() -> Result<(), AppError> {
        Err(app("timeout"))
    }

    let _sleeps = testing::instant_sleep();
    let _ = call();
    let seen = SEEN.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, "app error");
    assert_eq!(seen[0].1, ["layer", "timed out"]);
    assert_eq!(seen[0].2, std::any::type_name::<AppError>());
}

struct CountingSleeper {
    calls: AtomicU32,
    slept: Mutex<Vec<Duration>>,
}

impl BlockingSleeper for CountingSleeper {
    fn sleep(&self, delay: Duration) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.slept.lock().unwrap().push(delay);
    }
}

#[test]
fn sleeper_key_replaces_thread_sleep() {
    static SLEEPER: CountingSleeper = CountingSleeper {
        calls: AtomicU32::new(0),
        slept: Mutex::new(Vec::new()),
    };
    static REC: Recorder = Recorder::new();
    // One real hour of sleeps if the default sleeper were used.
    #[retry(max_attempts = 4, base = "20m", jitter = "none", max_delay = "1h", sleeper = SLEEPER, observer = REC)]
    fn call() -> Result<(), String> {
        Err("down".into())
    }

    let started = Instant::now();
    assert!(call().is_err());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(SLEEPER.calls.load(Ordering::SeqCst), 3);
    let expected = [20, 40, 60].map(|m| Duration::from_secs(m * 60)).to_vec();
    assert_eq!(*SLEEPER.slept.lock().unwrap(), expected);
    assert_eq!(announced(&REC), expected);
}

#[test]
fn a_custom_sleeper_is_not_asked_to_sleep_zero() {
    static SLEEPER: CountingSleeper = CountingSleeper {
        calls: AtomicU32::new(0),
        slept: Mutex::new(Vec::new()),
    };
    #[retry(max_attempts = 4, base = "5ms", jitter = "none", retry_after = |_e| Some(Duration::ZERO), sleeper = SLEEPER)]
    fn call() -> Result<(), String> {
        Err("down".into())
    }

    assert!(call().is_err());
    assert_eq!(SLEEPER.calls.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------------------------
// context

#[test]
fn context_tells_the_body_which_attempt_it_is() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", context = attempt, observer = REC)]
    fn call(seen: &mut Vec<(u32, bool, u32, bool)>) -> Result<(), String> {
        seen.push((
            attempt.number(),
            attempt.is_retry(),
            attempt.max_attempts(),
            attempt.is_last(),
        ));
        assert_eq!(attempt.remaining(), None);
        Err("down".into())
    }

    let _sleeps = testing::instant_sleep();
    let mut seen = Vec::new();
    assert!(call(&mut seen).is_err());
    assert_eq!(
        seen,
        [(1, false, 3, false), (2, true, 3, false), (3, true, 3, true)]
    );
}

#[test]
fn context_remaining_counts_down_to_the_deadline() {
    #[retry(max_attempts = 2, base = "1ms", deadline = "10s", jitter = "none", context = attempt)]
    fn call(remaining: &mut Vec<Duration>) -> Result<(), String> {
        remaining.push(attempt.remaining().unwrap());
        Err("down".into())
    }

    let _sleeps = testing::instant_sleep();
    let mut remaining = Vec::new();
    let _ = call(&mut remaining);
    assert_eq!(remaining.len(), 2);
    assert!(
        remaining
            .iter()
            .all(|r| *r <= Duration::from_secs(10) && *r > Duration::from_secs(9))
    );
    assert!(remaining[1] <= remaining[0]);
}

#[test]
fn context_stop_makes_the_outcome_final() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", context = attempt, observer = REC)]
    fn call(calls: &mut u32) -> io::Result<()> {
        *calls += 1;
        if attempt.number() == 2 {
            attempt.stop();
        }
        Err(io::ErrorKind::TimedOut.into())
    }

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(call(&mut calls).is_err());
    assert_eq!(calls, 2);
    assert_eq!(
        trace(&REC),
        [retried(1, 1), gave_up(2, GiveUpReason::NotRetryable)]
    );
}

#[test]
fn context_stop_returns_a_value_until_rejected() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", context = attempt, until = |v| *v >= 10, observer = REC)]
    fn call() -> Option<u32> {
        if attempt.number() == 2 {
            attempt.stop();
        }
        Some(attempt.number())
    }

    let _sleeps = testing::instant_sleep();
    assert_eq!(call(), Some(2));
    assert_eq!(
        trace(&REC),
        [retried(1, 1), gave_up(2, GiveUpReason::NotRetryable)]
    );
}

#[test]
fn context_stop_on_a_success_changes_nothing() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", context = attempt, observer = REC)]
    fn call() -> Result<u32, String> {
        attempt.stop();
        Ok(1)
    }

    assert_eq!(call(), Ok(1));
    assert!(REC.events().is_empty());
}

#[test]
fn context_retry_after_hints_the_next_delay() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "10ms", max_delay = "100ms", jitter = "full", context = attempt, observer = REC)]
    fn call() -> Result<(), String> {
        match attempt.number() {
            1 => attempt.retry_after(Duration::from_millis(7)),
            2 => attempt.retry_after(Duration::from_secs(60)),
            _ => {}
        }
        Err("not ready".into())
    }

    let _seed = testing::seed(9);
    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    let delays = sleeps.delays();
    assert_eq!(delays[..2], [ms(7), ms(100)]);
    // The hint lasts one attempt: the third delay is the jittered schedule (40ms) again.
    assert!(delays[2] <= ms(40), "{delays:?}");
    assert_eq!(announced(&REC), delays);
}

#[test]
fn context_hint_takes_precedence_over_retry_after() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "10ms", jitter = "none", context = attempt, retry_after = |_e| Some(Duration::from_millis(50)), observer = REC)]
    fn call() -> Result<(), String> {
        attempt.retry_after(Duration::from_millis(3));
        Err("busy".into())
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(trace(&REC), [retried(1, 3), gave_up(2, GiveUpReason::Exhausted)]);
}

#[test]
fn idempotency_key_is_stable_within_a_call_and_fresh_across_calls() {
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", context = attempt)]
    fn write(keys: &mut Vec<IdempotencyKey>) -> Result<(), String> {
        keys.push(*attempt.idempotency_key());
        Err("lost response".into())
    }

    let _sleeps = testing::instant_sleep();
    let mut first = Vec::new();
    let _ = write(&mut first);
    let mut second = Vec::new();
    let _ = write(&mut second);
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|k| *k == first[0]), "{first:?}");
    assert!(second.iter().all(|k| *k == second[0]), "{second:?}");
    assert_ne!(first[0], second[0]);
    assert_eq!(first[0].as_str().len(), 32);
    assert!(first[0].as_str().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn idempotency_keys_follow_the_seed() {
    #[retry(max_attempts = 1, context = attempt)]
    fn key() -> Result<IdempotencyKey, ()> {
        Ok(*attempt.idempotency_key())
    }

    let first = {
        let _seed = testing::seed(77);
        key().unwrap()
    };
    let again = {
        let _seed = testing::seed(77);
        key().unwrap()
    };
    assert_eq!(first, again);
}

// ---------------------------------------------------------------------------------------------
// clone

#[derive(Debug, Clone, PartialEq)]
struct Request {
    body: String,
}

fn send(request: Request, sent: &mut Vec<String>) -> Result<usize, String> {
    sent.push(request.body);
    if sent.len() < 3 {
        Err("dropped".into())
    } else {
        Ok(sent.len())
    }
}

#[test]
fn clone_gives_each_attempt_its_own_copy_of_an_owned_argument() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "1ms", jitter = "none", clone = [body], observer = REC)]
    fn post(body: String, sent: &mut Vec<String>) -> Result<usize, String> {
        // Consumes `body`: without `clone` the second attempt would have nothing to send.
        let owned: String = body;
        sent.push(owned);
        if sent.len() < 3 {
            Err("dropped".into())
        } else {
            Ok(sent.len())
        }
    }

    let _sleeps = testing::instant_sleep();
    let mut sent = Vec::new();
    assert_eq!(post("hello".to_string(), &mut sent), Ok(3));
    assert_eq!(sent, ["hello", "hello", "hello"]);
    assert_eq!(trace(&REC), [retried(1, 1), retried(2, 2), succeeded(3)]);
}

#[test]
fn clone_accepts_several_arguments() {
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", clone = [request, tag])]
    fn post(request: Request, tag: String, sent: &mut Vec<String>) -> Result<usize, String> {
        // Both are consumed: the request by destructuring, the tag by `+`.
        let Request { body } = request;
        let tagged = Request {
            body: tag + ":" + &body,
        };
        send(tagged, sent)
    }

    let _sleeps = testing::instant_sleep();
    let mut sent = Vec::new();
    let request = Request { body: "x".into() };
    assert_eq!(post(request, "t".into(), &mut sent), Ok(3));
    assert_eq!(sent, ["t:x", "t:x", "t:x"]);
}

// ---------------------------------------------------------------------------------------------
// policy

const SHARED: Policy = Policy::constant(Duration::from_millis(10))
    .max_attempts(3)
    .jitter(Jitter::None);
static SHARED_STATIC: Policy = Policy::linear(Duration::from_millis(5))
    .max_attempts(4)
    .jitter(Jitter::None);

#[test]
fn policy_from_a_const() {
    static REC: Recorder = Recorder::new();
    #[retry(policy = SHARED, observer = REC)]
    fn call() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(sleeps.delays(), ms_list([10, 10]));
    assert_eq!(
        trace(&REC),
        [
            retried(1, 10),
            retried(2, 10),
            gave_up(3, GiveUpReason::Exhausted)
        ]
    );
}

#[test]
fn policy_from_a_static() {
    #[retry(policy = SHARED_STATIC)]
    fn call() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(sleeps.delays(), ms_list([5, 10, 15]));
}

#[test]
fn policy_from_an_expression_over_the_arguments() {
    #[retry(policy = Policy::exponential(base).max_attempts(attempts).jitter(Jitter::None))]
    fn call(base: Duration, attempts: u32, calls: &mut u32) -> Result<(), ()> {
        *calls += 1;
        Err(())
    }

    let sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert!(call(ms(3), 4, &mut calls).is_err());
    assert_eq!(calls, 4);
    assert_eq!(sleeps.delays(), ms_list([3, 6, 12]));
}

#[test]
fn policy_from_self() {
    struct Client {
        policy: Policy,
        calls: u32,
    }
    impl Client {
        #[retry(policy = &self.policy)]
        fn get(&mut self) -> Result<u32, String> {
            self.calls += 1;
            if self.calls < 3 {
                Err("no".into())
            } else {
                Ok(self.calls)
            }
        }
        #[retry(policy = self.policy, max_attempts = 2)]
        fn get_twice(&mut self) -> Result<u32, String> {
            self.calls += 1;
            Err("no".into())
        }
    }

    let sleeps = testing::instant_sleep();
    let mut client = Client {
        policy: Policy::fibonacci(ms(2)).max_attempts(5).jitter(Jitter::None),
        calls: 0,
    };
    assert_eq!(client.get(), Ok(3));
    assert_eq!(sleeps.delays(), ms_list([2, 2]));
    client.calls = 0;
    assert!(client.get_twice().is_err());
    assert_eq!(client.calls, 2);
}

#[test]
fn inline_keys_override_the_policy() {
    static REC: Recorder = Recorder::new();
    #[retry(policy = SHARED, max_attempts = 5, observer = REC)]
    fn more_attempts() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED, base = "4ms", max_attempts = 3)]
    fn other_base() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED, backoff = "exponential", max_delay = "30ms")]
    fn other_backoff() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED_STATIC, factor = 3.0, backoff = "exponential", max_attempts = 4)]
    fn other_factor() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED, jitter = "equal", max_attempts = 11)]
    fn other_jitter() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED, deadline = "15ms", max_attempts = 5)]
    fn other_deadline() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    assert!(more_attempts().is_err());
    assert_eq!(sleeps.delays(), ms_list([10, 10, 10, 10]));
    assert_eq!(REC.events().last().unwrap().max_attempts(), 5);

    let sleeps = testing::instant_sleep();
    assert!(other_base().is_err());
    assert_eq!(sleeps.delays(), ms_list([4, 4]));

    let sleeps = testing::instant_sleep();
    assert!(other_backoff().is_err());
    assert_eq!(sleeps.delays(), ms_list([10, 20]));

    let sleeps = testing::instant_sleep();
    assert!(other_factor().is_err());
    assert_eq!(sleeps.delays(), ms_list([5, 15, 45]));

    let _seed = testing::seed(3);
    let sleeps = testing::instant_sleep();
    assert!(other_jitter().is_err());
    let delays = sleeps.delays();
    assert_eq!(delays.len(), 10);
    assert!(delays.iter().all(|d| *d >= ms(5) && *d <= ms(10)), "{delays:?}");
    assert!(delays.iter().any(|d| *d != ms(10)), "{delays:?}");

    // 10ms fits in the 15ms deadline on its own (the clock stays near zero with instant
    // sleeps); the deadline ends the call only when a delay alone passes it, which 10ms does not.
    let sleeps = testing::instant_sleep();
    assert!(other_deadline().is_err());
    assert_eq!(sleeps.delays(), ms_list([10, 10, 10, 10]));
}

#[test]
fn inline_base_or_backoff_alone_override_the_policy() {
    #[retry(policy = SHARED, base = "4ms")]
    fn other_base() -> Result<(), ()> {
        Err(())
    }
    #[retry(policy = SHARED, backoff = "linear")]
    fn other_backoff() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    assert!(other_base().is_err());
    assert_eq!(sleeps.delays(), ms_list([4, 4]));

    let sleeps = testing::instant_sleep();
    assert!(other_backoff().is_err());
    assert_eq!(sleeps.delays(), ms_list([10, 20]));
}

#[test]
fn policy_expression_runs_once_per_call() {
    static BUILT: AtomicU32 = AtomicU32::new(0);
    fn configured() -> Policy {
        BUILT.fetch_add(1, Ordering::SeqCst);
        Policy::constant(Duration::from_millis(1))
            .max_attempts(4)
            .jitter(Jitter::None)
    }
    #[retry(policy = configured())]
    fn call() -> Result<(), ()> {
        Err(())
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert!(call().is_err());
    assert_eq!(BUILT.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------------
// Return types and control flow

#[test]
fn option_none_is_a_retryable_failure() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "2ms", jitter = "none", observer = REC)]
    fn find(script: &mut Vec<Option<&'static str>>) -> Option<&'static str> {
        script.remove(0)
    }

    let _sleeps = testing::instant_sleep();
    let mut script = vec![None, None, Some("found"), None];
    assert_eq!(find(&mut script), Some("found"));
    assert_eq!(trace(&REC), [retried(1, 2), retried(2, 4), succeeded(3)]);
    assert!(REC.events().iter().all(|e| e.error_type().is_none()));

    REC.clear();
    let mut script = vec![None; 4];
    assert_eq!(find(&mut script), None);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 2),
            retried(2, 4),
            retried(3, 8),
            gave_up(4, GiveUpReason::Exhausted)
        ]
    );
}

#[derive(Debug, PartialEq)]
enum ParseError {
    Bad(std::num::ParseIntError),
    Zero,
}

impl From<std::num::ParseIntError> for ParseError {
    fn from(e: std::num::ParseIntError) -> Self {
        ParseError::Bad(e)
    }
}

#[test]
fn question_mark_and_return_end_only_the_attempt() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 5, base = "1ms", jitter = "none", observer = REC)]
    fn parse(inputs: &mut Vec<&'static str>) -> Result<u32, ParseError> {
        let input = inputs.remove(0);
        // `?` converts into the declared error type, as in an unannotated fn.
        let n: u32 = input.parse()?;
        if n == 0 {
            return Err(ParseError::Zero);
        }
        Ok(n)
    }

    let _sleeps = testing::instant_sleep();
    let mut inputs = vec!["x", "0", "", "42", "7"];
    assert_eq!(parse(&mut inputs), Ok(42));
    assert_eq!(inputs, ["7"]);
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), retried(3, 4), succeeded(4)]
    );
    assert_eq!(
        REC.events()[0].error_type(),
        Some(std::any::type_name::<ParseError>())
    );
}

#[test]
fn an_early_return_of_success_ends_the_call() {
    #[retry(max_attempts = 5, base = "1ms", jitter = "none")]
    fn first_even(values: &mut Vec<u32>) -> Option<u32> {
        let v = values.remove(0);
        if v.is_multiple_of(2) {
            return Some(v);
        }
        None
    }

    let _sleeps = testing::instant_sleep();
    let mut values = vec![1, 3, 4, 5];
    assert_eq!(first_even(&mut values), Some(4));
    assert_eq!(values, [5]);
}

// ---------------------------------------------------------------------------------------------
// Error types and the default classification

#[test]
fn io_errors_are_classified_by_kind() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", observer = REC)]
    fn open(kind: io::ErrorKind) -> io::Result<()> {
        Err(kind.into())
    }

    let _sleeps = testing::instant_sleep();
    for kind in [
        io::ErrorKind::NotFound,
        io::ErrorKind::PermissionDenied,
        io::ErrorKind::InvalidInput,
    ] {
        REC.clear();
        assert_eq!(open(kind).unwrap_err().kind(), kind);
        assert_eq!(trace(&REC), [gave_up(1, GiveUpReason::NotRetryable)], "{kind:?}");
    }
    for kind in [
        io::ErrorKind::TimedOut,
        io::ErrorKind::ConnectionReset,
        io::ErrorKind::ConnectionRefused,
        io::ErrorKind::Interrupted,
    ] {
        REC.clear();
        assert_eq!(open(kind).unwrap_err().kind(), kind);
        assert_eq!(
            trace(&REC),
            [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)],
            "{kind:?}"
        );
    }
}

#[test]
fn io_result_alias_retries_until_success() {
    #[retry(max_attempts = 3, base = "1ms", jitter = "none")]
    fn read(calls: &mut u32) -> std::io::Result<String> {
        *calls += 1;
        if *calls == 1 {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok("contents".into())
    }

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(read(&mut calls).unwrap(), "contents");
    assert_eq!(calls, 2);
}

#[test]
fn types_without_transient_are_always_retried() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", observer = REC)]
    fn call() -> Result<(), AppError> {
        Err(app("fatal"))
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)]
    );
}

#[test]
fn boxed_errors_are_searched_with_on() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "1ms", jitter = "none", on = io::Error, observer = REC)]
    fn call(script: &mut Vec<Box<dyn Error + Send + Sync>>) -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(script.remove(0))
    }

    let _sleeps = testing::instant_sleep();
    let mut script: Vec<Box<dyn Error + Send + Sync>> = vec![
        Box::new(io::Error::from(io::ErrorKind::TimedOut)),
        Box::new(Layer(io::Error::from(io::ErrorKind::NotFound))),
        "a plain message".into(),
        Box::new(io::Error::from(io::ErrorKind::TimedOut)),
    ];
    assert_eq!(call(&mut script).unwrap_err().to_string(), "a plain message");
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn boxed_errors_without_on_are_always_retried() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 2, base = "1ms", jitter = "none", observer = REC)]
    fn call() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(Box::new(io::Error::from(io::ErrorKind::NotFound)))
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(trace(&REC), [retried(1, 1), gave_up(2, GiveUpReason::Exhausted)]);
}

#[test]
fn anyhow_errors_are_searched_with_on() {
    use anyhow::Context as _;
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 4, base = "1ms", jitter = "none", on = io::Error, observer = REC)]
    fn call(calls: &mut u32) -> anyhow::Result<u32> {
        *calls += 1;
        match *calls {
            1 => {
                let n: u32 = Err(io::Error::from(io::ErrorKind::TimedOut)).context("fetching the config")?;
                Ok(n)
            }
            2 => Err(anyhow::Error::new(io::Error::from(
                io::ErrorKind::ConnectionReset,
            ))),
            _ => anyhow::bail!("no io error inside"),
        }
    }

    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(call(&mut calls).unwrap_err().to_string(), "no io error inside");
    assert_eq!(calls, 3);
    assert_eq!(
        trace(&REC),
        [
            retried(1, 1),
            retried(2, 2),
            gave_up(3, GiveUpReason::NotRetryable)
        ]
    );
}

#[test]
fn anyhow_errors_with_when() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", when = |e| e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::TimedOut), observer = REC)]
    fn call() -> anyhow::Result<()> {
        Err(io::Error::from(io::ErrorKind::TimedOut).into())
    }

    let _sleeps = testing::instant_sleep();
    assert!(call().is_err());
    assert_eq!(
        trace(&REC),
        [retried(1, 1), retried(2, 2), gave_up(3, GiveUpReason::Exhausted)]
    );
}

// ---------------------------------------------------------------------------------------------
// The same loop without the attribute

#[test]
fn call_retries_a_closure_with_the_policy() {
    let policy = Policy::exponential(ms(5)).max_attempts(4).jitter(Jitter::None);
    let sleeps = testing::instant_sleep();
    let mut numbers = Vec::new();
    let result = retry_runtime::call(&policy, |attempt: &Attempt| {
        numbers.push(attempt.number());
        if attempt.number() < 3 {
            Err("no")
        } else {
            Ok(attempt.number())
        }
    });
    assert_eq!(result, Ok(3));
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(sleeps.delays(), ms_list([5, 10]));

    // `stop` is how a closure marks a failure final.
    let mut calls = 0;
    let result: Result<(), &str> = retry_runtime::call(&policy, |attempt| {
        calls += 1;
        attempt.stop();
        Err("permanent")
    });
    assert_eq!(result, Err("permanent"));
    assert_eq!(calls, 1);
}

#[test]
fn call_with_uses_the_given_sleeper() {
    static SLEEPER: CountingSleeper = CountingSleeper {
        calls: AtomicU32::new(0),
        slept: Mutex::new(Vec::new()),
    };
    let policy = Policy::linear(Duration::from_secs(60))
        .max_attempts(3)
        .max_delay(Duration::from_secs(3600))
        .jitter(Jitter::None);
    let result: Option<()> = retry_runtime::call_with(&policy, &SLEEPER, |_| None);
    assert_eq!(result, None);
    assert_eq!(
        *SLEEPER.slept.lock().unwrap(),
        [Duration::from_secs(60), Duration::from_secs(120)]
    );
}
