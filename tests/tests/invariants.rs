//! Properties that hold for every policy, including the extreme ones: durations up to
//! `Duration::MAX`, factors up to `f64::MAX`, attempts up to `u32::MAX`. Runs drive
//! `retry_runtime::call_with` with an always-failing closure and a sleeper that records delays
//! without sleeping, so even a policy of centuries finishes at once; policies too long to run
//! are checked through `delays()` and `worst_case()`.

use std::cell::RefCell;
use std::sync::Once;
use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::{
    Attempt, Backoff, BlockingSleeper, ErrorView, Event, EventKind, GiveUpReason, Jitter, Observer, Policy,
};

thread_local! {
    static EVENTS: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
    static SLEPT: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) };
}

/// `call` reports to the global observer; this one keeps each thread's events apart, so
/// properties running in parallel do not see each other's.
struct PerThread;

impl Observer for PerThread {
    fn on_event(&self, event: &Event, _: Option<ErrorView<'_>>) {
        EVENTS.with_borrow_mut(|events| events.push(event.clone()));
    }
}

static OBSERVER: PerThread = PerThread;

/// Records each delay on the sleeping thread instead of sleeping.
struct Recording;

impl BlockingSleeper for Recording {
    fn sleep(&self, delay: Duration) {
        SLEPT.with_borrow_mut(|slept| slept.push(delay));
    }
}

fn install_observer() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| retry_runtime::set_observer(&OBSERVER).expect("only this binary installs one"));
}

/// What one run did.
struct Run {
    attempts: u32,
    events: Vec<Event>,
    slept: Vec<Duration>,
}

/// Runs `policy` against a closure that always fails, hinting `hints[n - 1]` (when given) after
/// attempt `n`.
fn run(policy: &Policy, hints: &[Option<Duration>]) -> Run {
    install_observer();
    EVENTS.with_borrow_mut(Vec::clear);
    SLEPT.with_borrow_mut(Vec::clear);
    let mut attempts = 0u32;
    let result: Result<(), ()> = retry_runtime::call_with(policy, &Recording, |attempt: &Attempt| {
        attempts += 1;
        assert_eq!(attempt.number(), attempts);
        assert!(attempts <= 200, "more attempts than any policy here allows");
        if let Some(Some(hint)) = hints.get(attempts as usize - 1) {
            attempt.retry_after(*hint);
        }
        Err(())
    });
    assert_eq!(result, Err(()));
    Run {
        attempts,
        events: EVENTS.with_borrow_mut(std::mem::take),
        slept: SLEPT.with_borrow_mut(std::mem::take),
    }
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// A sum of delays as `worst_case` reports it: saturated at `u64::MAX` nanoseconds.
fn saturated_sum(delays: impl IntoIterator<Item = Duration>) -> Duration {
    let total: u128 = delays.into_iter().map(nanos).sum();
    Duration::from_nanos(total.min(u128::from(u64::MAX)) as u64)
}

/// The largest delay a policy can produce: `max_delay`, which saturates at `u64::MAX` ns.
fn cap(policy: &Policy) -> Duration {
    policy.max_delay_value().min(Duration::from_nanos(u64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(u64::MAX)),
        (1u64..1_000).prop_map(Duration::from_nanos),
        (1u64..100_000).prop_map(Duration::from_millis),
        any::<u64>().prop_map(Duration::from_nanos),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn factor() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1.0),
        Just(f64::MAX),
        1.0f64..1.001,
        1.0f64..4.0,
        1.0f64..f64::MAX,
    ]
}

fn backoff() -> impl Strategy<Value = Backoff> {
    prop_oneof![
        Just(Backoff::Exponential),
        Just(Backoff::Constant),
        Just(Backoff::Linear),
        Just(Backoff::Fibonacci),
    ]
}

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
    ]
}

fn policy(attempts: impl Strategy<Value = u32>) -> impl Strategy<Value = Policy> {
    (
        backoff(),
        jitter(),
        duration(),
        duration(),
        factor(),
        attempts,
        proptest::option::of(duration()),
    )
        .prop_map(|(backoff, jitter, base, max_delay, factor, attempts, deadline)| {
            let policy = Policy::exponential(base)
                .backoff(backoff)
                .jitter(jitter)
                .max_delay(max_delay)
                .factor(factor)
                .max_attempts(attempts);
            match deadline {
                Some(deadline) => policy.deadline(deadline),
                None => policy,
            }
        })
}

/// Whether the "delays never shrink" check applies: exponential schedules past 2^53 ns lose
/// precision (see `regression_exponential_delays_never_shrink`), so they are left to that test.
fn shrink_check_applies(policy: &Policy) -> bool {
    policy.backoff_value() != Backoff::Exponential || policy.base_value() < Duration::from_nanos(1 << 53)
}

// ---------------------------------------------------------------------------------------------
// Properties

/// A fixed seed keeps runs reproducible; nothing is written to disk on failure, as the minimal
/// input is printed and belongs in a named regression test below.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_2024),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn runs_respect_every_limit(
        policy in policy(1u32..=200),
        hints in proptest::collection::vec(proptest::option::weighted(0.2, duration()), 0..200),
        seed in any::<u64>(),
    ) {
        let _seed = retry_runtime::testing::seed(seed);
        let max_attempts = policy.max_attempts_value();
        let run = run(&policy, &hints);

        prop_assert!(run.attempts >= 1 && run.attempts <= max_attempts);
        if policy.deadline_value().is_none() {
            // Every failure is retryable: only running out ends the call.
            prop_assert_eq!(run.attempts, max_attempts);
        }

        // One event per attempt: retries, then the give-up of the last attempt.
        prop_assert_eq!(run.events.len() as u32, run.attempts);
        let (last, retries) = run.events.split_last().unwrap();
        prop_assert_eq!(last.kind(), EventKind::GiveUp);
        prop_assert_eq!(last.attempt(), run.attempts);
        if run.attempts < max_attempts {
            prop_assert_eq!(last.reason(), Some(GiveUpReason::Deadline));
        } else {
            prop_assert_eq!(last.reason(), Some(GiveUpReason::Exhausted));
        }

        let mut delays = Vec::new();
        for (i, event) in retries.iter().enumerate() {
            prop_assert_eq!(event.kind(), EventKind::Retry);
            prop_assert_eq!(event.attempt(), i as u32 + 1);
            prop_assert_eq!(event.max_attempts(), max_attempts);
            let delay = event.delay().unwrap();
            prop_assert!(delay <= cap(&policy), "{:?} > max_delay {:?}", delay, policy.max_delay_value());
            if let Some(deadline) = policy.deadline_value() {
                prop_assert!(event.elapsed().saturating_add(delay) <= deadline);
            }
            match hints.get(i).copied().flatten() {
                // A hint is used as given, only ever shortened by the cap.
                Some(hint) => {
                    prop_assert!(delay <= hint);
                    if hint < cap(&policy) && hint < Duration::from_nanos(u64::MAX - 1) {
                        prop_assert_eq!(delay, hint);
                    }
                }
                None => {
                    if policy.jitter_value() == Jitter::Decorrelated {
                        prop_assert!(delay >= policy.base_value().min(cap(&policy)));
                    }
                }
            }
            delays.push(delay);
        }

        // The sleeper saw exactly the announced delays, zeros skipped.
        let nonzero: Vec<_> = delays.iter().copied().filter(|d| !d.is_zero()).collect();
        prop_assert_eq!(&run.slept, &nonzero);

        // Without hints, jitter never sleeps longer than the bound `worst_case` promises. (With a
        // deadline the bound is the deadline, which only real sleeps move towards: the
        // recording sleeper leaves the clock where it was, so the sum can pass it here.)
        let hinted = hints.iter().take(delays.len()).any(Option::is_some);
        if !hinted && policy.deadline_value().is_none() {
            prop_assert!(saturated_sum(delays.iter().copied()) <= policy.worst_case());
        }

        // With jitter off and no deadline or hints, the run sleeps exactly the schedule.
        if policy.jitter_value() == Jitter::None && policy.deadline_value().is_none() && !hinted {
            prop_assert_eq!(&delays, &policy.delays().collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_schedule_is_bounded_and_sized(policy in policy(1u32..=200)) {
        let max_attempts = policy.max_attempts_value();
        let schedule: Vec<_> = policy.delays().collect();
        prop_assert_eq!(policy.delays().len(), max_attempts as usize - 1);
        prop_assert_eq!(schedule.len(), max_attempts as usize - 1);
        prop_assert!(schedule.iter().all(|d| *d <= cap(&policy)));
        if shrink_check_applies(&policy) {
            prop_assert!(schedule.windows(2).all(|w| w[0] <= w[1]), "{:?}", schedule);
        }
        if let Some(first) = schedule.first() {
            prop_assert_eq!(*first, policy.base_value().min(cap(&policy)));
        }
        let worst = policy.worst_case();
        match policy.deadline_value() {
            Some(deadline) => prop_assert!(worst <= deadline),
            None if policy.jitter_value() != Jitter::Decorrelated => {
                prop_assert!(worst >= saturated_sum(schedule.iter().copied()));
            }
            None => {}
        }
        // Every delay is at most the cap, so the sum of them is too.
        let most = nanos(cap(&policy)) * u128::from(max_attempts - 1);
        prop_assert!(nanos(worst) <= most);
    }

    #[test]
    fn huge_attempt_counts_stay_cheap_and_bounded(policy in policy(prop_oneof![
        Just(u32::MAX),
        Just(u32::MAX - 1),
        Just(1u32 << 31),
        Just(1024u32),
        1u32..=u32::MAX,
    ])) {
        let max_attempts = policy.max_attempts_value();
        prop_assert_eq!(policy.delays().len(), max_attempts as usize - 1);
        let first: Vec<_> = policy.delays().take(50).collect();
        prop_assert_eq!(first.len(), (max_attempts as usize - 1).min(50));
        prop_assert!(first.iter().all(|d| *d <= cap(&policy)));
        if shrink_check_applies(&policy) {
            prop_assert!(first.windows(2).all(|w| w[0] <= w[1]), "{:?}", first);
        }
        let worst = policy.worst_case();
        match policy.deadline_value() {
            Some(deadline) => prop_assert!(worst <= deadline),
            None if policy.jitter_value() != Jitter::Decorrelated => {
                prop_assert!(worst >= saturated_sum(first.iter().copied()));
            }
            None => {}
        }
        let most = nanos(cap(&policy)) * u128::from(max_attempts - 1);
        prop_assert!(nanos(worst) <= most);
    }

    #[test]
    fn a_deadline_alone_lifts_the_attempt_limit(deadline in duration(), base in duration()) {
        let policy = Policy::constant(base).deadline(deadline);
        prop_assert_eq!(policy.max_attempts_value(), u32::MAX);
        prop_assert_eq!(policy.delays().len(), u32::MAX as usize - 1);
        prop_assert!(policy.worst_case() <= deadline);
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions at attempt counts where other libraries overflowed (stamina, tenacity and Polly
// at 1024; signed counters at 2^31).

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn regression_1024_attempts_run_to_the_end() {
    for jitter in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = Policy::exponential(ms(1)).max_attempts(1024).jitter(jitter);
        let _seed = retry_runtime::testing::seed(1024);
        install_observer();
        EVENTS.with_borrow_mut(Vec::clear);
        SLEPT.with_borrow_mut(Vec::clear);
        let mut attempts = 0u32;
        let result: Option<()> = retry_runtime::call_with(&policy, &Recording, |_| {
            attempts += 1;
            None
        });
        assert_eq!(result, None);
        assert_eq!(attempts, 1024);
        let events = EVENTS.with_borrow_mut(std::mem::take);
        assert_eq!(events.len(), 1024);
        let last = events.last().unwrap();
        assert_eq!(last.attempt(), 1024);
        assert_eq!(last.reason(), Some(GiveUpReason::Exhausted));
        let slept = SLEPT.with_borrow_mut(std::mem::take);
        assert!(slept.iter().all(|d| *d <= Duration::from_secs(10)), "{jitter:?}");
        assert!(saturated_sum(slept) <= policy.worst_case(), "{jitter:?}");
    }

    let policy = Policy::exponential(ms(1)).max_attempts(1024).jitter(Jitter::None);
    let delays: Vec<_> = policy.delays().collect();
    assert_eq!(delays.len(), 1023);
    assert_eq!(delays[..4], [ms(1), ms(2), ms(4), ms(8)]);
    assert_eq!(delays[13], ms(8192));
    assert!(delays[14..].iter().all(|d| *d == Duration::from_secs(10)));
    // 1 + 2 + … + 8192 ms, then the cap for the remaining 1009 retries.
    let expected = ms(16_383) + Duration::from_secs(10) * 1009;
    assert_eq!(policy.worst_case(), expected);
    assert_eq!(saturated_sum(delays), expected);
}

/// The exact worst case of each backoff from 1ms with a 1s cap over `n` attempts, summed by
/// hand: the growing part, then the cap for every remaining retry.
fn expected_worst_case(backoff: Backoff, n: u32) -> Duration {
    let retries = u64::from(n - 1);
    let (growing, growing_ms): (u64, u64) = match backoff {
        // 1, 2, 4, … 512 ms.
        Backoff::Exponential => (10, 1023),
        // 1, 2, … 1000 ms; the 1000th is the cap itself.
        Backoff::Linear => (1000, 500_500),
        // 1, 1, 2, 3, … 987 ms: F(1) + … + F(16) = F(18) − 1.
        Backoff::Fibonacci => (16, 2583),
        Backoff::Constant => (retries, retries),
    };
    ms(growing_ms) + Duration::from_secs(retries - growing)
}

#[test]
fn regression_attempts_at_two_to_the_31_and_u32_max() {
    for n in [1u32 << 31, u32::MAX] {
        for backoff in [
            Backoff::Exponential,
            Backoff::Linear,
            Backoff::Fibonacci,
            Backoff::Constant,
        ] {
            let policy = Policy::exponential(ms(1))
                .backoff(backoff)
                .max_delay(Duration::from_secs(1))
                .jitter(Jitter::None)
                .max_attempts(n);
            assert_eq!(policy.delays().len(), n as usize - 1);
            let first: Vec<_> = policy.delays().take(12).collect();
            match backoff {
                Backoff::Exponential => {
                    assert_eq!(first, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000].map(ms))
                }
                Backoff::Linear => assert_eq!(first, (1..=12).map(ms).collect::<Vec<_>>()),
                Backoff::Fibonacci => assert_eq!(first, [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144].map(ms)),
                Backoff::Constant => assert_eq!(first, vec![ms(1); 12]),
            }
            assert_eq!(
                policy.worst_case(),
                expected_worst_case(backoff, n),
                "{backoff:?} at {n}"
            );
            // Jitter can only lower the bound, except decorrelated, which grows to the cap at
            // once-tripled steps: 3, 9, 27, 81, 243, 729 ms, then the cap.
            for jitter in [Jitter::Full, Jitter::Equal] {
                assert_eq!(policy.jitter(jitter).worst_case(), policy.worst_case());
            }
            let decorrelated = policy.jitter(Jitter::Decorrelated).worst_case();
            assert_eq!(
                decorrelated,
                ms(3 + 9 + 27 + 81 + 243 + 729) + Duration::from_secs(u64::from(n - 1) - 6)
            );
        }

        // Past `u64::MAX` nanoseconds the bound saturates instead of wrapping.
        let huge = Policy::exponential(Duration::MAX)
            .max_delay(Duration::MAX)
            .factor(f64::MAX)
            .max_attempts(n);
        assert_eq!(huge.worst_case(), Duration::from_nanos(u64::MAX));
        assert!(huge.delays().take(5).all(|d| d == Duration::from_nanos(u64::MAX)));

        // A factor barely above 1 would take billions of steps to walk; the bound comes from
        // a closed form and lies between the flat and the capped sums.
        let slow = Policy::exponential(ms(1))
            .factor(1.000_000_1)
            .max_delay(Duration::from_secs(1))
            .max_attempts(n);
        let worst = slow.worst_case();
        assert!(worst >= ms(1) * (n - 1), "{worst:?}");
        assert!(worst <= Duration::from_secs(u64::from(n - 1)), "{worst:?}");
    }
}

#[test]

fn regression_exponential_delays_never_shrink() {
    // Found by `the_schedule_is_bounded_and_sized`: with factor 1.0 the schedule must stay flat.
    let base = Duration::new(30_059_043, 577_661_937);
    let policy = Policy::exponential(base)
        .factor(1.0)
        .max_delay(base * 2)
        .jitter(Jitter::None)
        .max_attempts(3);
    assert_eq!(policy.delays().collect::<Vec<_>>(), [base, base]);
    // Any base above 2^53 ns (about 104 days) that f64 cannot hold exactly.
    let base = Duration::from_nanos((1 << 53) + 1);
    let policy = Policy::exponential(base)
        .factor(1.0)
        .max_delay(base)
        .max_attempts(3);
    assert_eq!(policy.delays().collect::<Vec<_>>(), [base, base]);
}

#[test]

fn regression_worst_case_is_at_least_the_schedule() {
    // Found by a wider run of `the_schedule_is_bounded_and_sized`: past the 128 exact steps
    // the closed form rounds below the walked sum.
    let policy = Policy::exponential(Duration::from_nanos(232_359_913_279))
        .factor(1.072_580_628_470_262_6)
        .max_delay(Duration::MAX)
        .jitter(Jitter::None)
        .max_attempts(142);
    let walked = saturated_sum(policy.delays());
    assert!(
        policy.worst_case() >= walked,
        "{:?} < {walked:?}",
        policy.worst_case()
    );
}

#[test]
fn the_last_delays_of_a_long_run_are_the_cap() {
    // Walking 2^31 delays would take too long; 200 000 are enough to see any counter that
    // misbehaves past 2^16 and to check the tail of every backoff.
    for backoff in [
        Backoff::Exponential,
        Backoff::Linear,
        Backoff::Fibonacci,
        Backoff::Constant,
    ] {
        let policy = Policy::exponential(ms(1))
            .backoff(backoff)
            .max_delay(ms(1000))
            .max_attempts(200_001);
        let last = policy.delays().skip(199_990).collect::<Vec<_>>();
        assert_eq!(last.len(), 10);
        let expected = if backoff == Backoff::Constant {
            ms(1)
        } else {
            ms(1000)
        };
        assert!(last.iter().all(|d| *d == expected), "{backoff:?}: {last:?}");
    }
}
