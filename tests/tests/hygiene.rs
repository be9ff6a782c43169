//! The expansion must not capture or be captured by the user's names: a local module called
//! `core`, shadowed prelude names and macros, user locals and arguments named like the
//! expansion's own, and bodies with their own loops, labels and items. Most of what this file
//! checks is that it compiles; the tests then make sure each name still means the user's thing.

use std::io;
use std::time::Duration;

use retry_runtime::testing::{self, Recorder};
use retry_runtime::{EventKind, Jitter, Policy, retry};

// A local `core` beside annotated fns: the expansion must name `::core`, not `core`.
#[allow(dead_code)]
mod core {
    pub mod option {
        pub enum Option {}
    }
    pub mod time {}
    pub fn line() {}
}

#[retry(max_attempts = 3, base = "1ms", jitter = "none")]
fn beside_local_core(calls: &mut u32) -> Result<u32, String> {
    *calls += 1;
    if *calls < 2 {
        Err("again".into())
    } else {
        Ok(*calls)
    }
}

#[retry(max_attempts = 3, base = "1ms", jitter = "none", context = attempt, until = |v| *v > 1)]
async fn async_beside_local_core() -> Option<u32> {
    Some(attempt.number())
}

#[test]
fn a_local_core_module_is_not_used_by_the_expansion() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(beside_local_core(&mut calls), Ok(2));
    let mut future = std::pin::pin!(async_beside_local_core());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert_eq!(
        std::future::Future::poll(future.as_mut(), &mut cx),
        std::task::Poll::Ready(Some(2))
    );
}

/// Prelude types, traits and macros shadowed by the user's own: the expansion names everything
/// by absolute path.
#[allow(dead_code, non_camel_case_types, unused_macros)]
mod shadowed {
    use ::retry_runtime::retry;

    // The crate's own name, shadowed by a local module.
    mod retry_runtime {}

    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Vec;
    struct String;
    struct Box;
    struct Duration;
    trait Clone {}
    trait Send {}
    trait Sync {}
    trait Fn {}
    trait FnOnce {}
    trait Iterator {}
    trait From {}
    trait Into {}
    fn drop() {}
    macro_rules! line {
        () => {
            "not a line"
        };
    }
    macro_rules! file {
        () => {
            0
        };
    }
    macro_rules! module_path {
        () => {
            0
        };
    }
    macro_rules! unreachable {
        () => {
            0
        };
    }

    type Res<T> = ::core::result::Result<T, ::std::string::String>;

    #[retry(max_attempts = 3, base = "1ms", jitter = "none", context = attempt, clone = [label])]
    pub fn shadowed_everything(label: ::std::string::String) -> Res<usize> {
        let owned: ::std::string::String = label;
        if attempt.number() < 3 {
            ::core::result::Result::Err(owned)
        } else {
            ::core::result::Result::Ok(owned.len())
        }
    }

    #[retry(max_attempts = 3, base = "1ms", jitter = "none", on = ::std::io::Error)]
    pub async fn shadowed_async(calls: &mut u32) -> ::std::io::Result<u32> {
        *calls += 1;
        if *calls < 2 {
            ::core::result::Result::Err(::std::io::ErrorKind::TimedOut.into())
        } else {
            ::core::result::Result::Ok(*calls)
        }
    }

    #[retry(max_attempts = 2, base = "1ms", jitter = "none")]
    pub fn shadowed_option() -> ::core::option::Option<u8> {
        ::core::option::Option::None
    }
}

#[test]
fn shadowed_prelude_names_do_not_reach_the_expansion() {
    let _sleeps = testing::instant_sleep();
    assert_eq!(shadowed::shadowed_everything("abc".into()), Ok(3));
    assert_eq!(shadowed::shadowed_option(), None);
    let mut calls = 0;
    let mut future = std::pin::pin!(shadowed::shadowed_async(&mut calls));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // The default tokio sleeper falls back to a timer thread outside a runtime; the guard
    // makes the 1ms sleep instant instead.
    assert!(matches!(
        std::future::Future::poll(future.as_mut(), &mut cx),
        std::task::Poll::Ready(Ok(2))
    ));
}

// ---------------------------------------------------------------------------------------------
// Names the expansion uses for its own locals, taken by the user.

#[retry(max_attempts = 4, base = "1ms", jitter = "none")]
fn locals_named_like_the_expansion(
    __retry_engine: u32,
    __retry_result: &mut Vec<u32>,
) -> Result<u32, String> {
    let __retry_policy = 7;
    let __retry_next = 1;
    let __retry_delay = "delay";
    let __retry_context = 2;
    let __retry_value = 3;
    let __retry_error = 4;
    let __retry_view = 5;
    let __retry_chain = 6;
    let __retry_retryable = false;
    let __retry_hint = 8;
    let __retry_fake = 9;
    let __retry_output = 10;
    let __retry_policy_holder = 11;
    let sum = __retry_engine
        + __retry_policy
        + __retry_next
        + __retry_delay.len() as u32
        + __retry_context
        + __retry_value
        + __retry_error
        + __retry_view
        + __retry_chain
        + u32::from(__retry_retryable)
        + __retry_hint
        + __retry_fake
        + __retry_output
        + __retry_policy_holder;
    __retry_result.push(sum);
    if __retry_result.len() < 3 {
        Err("again".into())
    } else {
        Ok(sum)
    }
}

#[test]
fn user_locals_and_arguments_keep_their_values() {
    let _sleeps = testing::instant_sleep();
    let mut seen = Vec::new();
    let expected = 100 + 7 + 1 + 5 + 2 + 3 + 4 + 5 + 6 + 8 + 9 + 10 + 11;
    assert_eq!(locals_named_like_the_expansion(100, &mut seen), Ok(expected));
    assert_eq!(seen, [expected; 3]);
}

/// Key expressions are the user's code too: their names resolve to the user's arguments even
/// when those are named like the expansion's locals.
#[retry(
    policy = __retry_policy,
    max_attempts = 5,
    when = |e| *e < __retry_value,
    until = |v| *v >= __retry_error,
    retry_after = |_e| Some(__retry_delay),
    context = __retry_context,
)]
fn arguments_named_like_the_expansion(
    __retry_policy: &Policy,
    __retry_value: u32,
    __retry_error: u32,
    __retry_delay: Duration,
    __retry_engine: &mut Vec<u32>,
) -> Result<u32, u32> {
    let number = __retry_context.number();
    __retry_engine.push(number);
    if number == 1 { Err(number) } else { Ok(number * 10) }
}

#[test]
fn key_expressions_see_the_users_names() {
    static REC: Recorder = Recorder::new();
    #[retry(max_attempts = 3, base = "1ms", jitter = "none", observer = REC, name = "__retry_engine")]
    fn named_like_a_local() -> Result<(), ()> {
        Err(())
    }

    let sleeps = testing::instant_sleep();
    let policy = Policy::constant(Duration::from_millis(50)).jitter(Jitter::None);
    let mut numbers = Vec::new();
    let result = arguments_named_like_the_expansion(&policy, 5, 25, Duration::from_millis(3), &mut numbers);
    // Error 1 < 5 is retried after the 3ms hint; 20 < 25 is rejected by `until` and retried
    // after the policy's 50ms.
    assert_eq!(result, Ok(30));
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(
        sleeps.delays(),
        [Duration::from_millis(3), Duration::from_millis(50)]
    );

    let _ = named_like_a_local();
    assert!(REC.events().iter().all(|e| e.name() == "__retry_engine"));
    assert_eq!(REC.events()[0].kind(), EventKind::Retry);
}

#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
fn items_named_like_the_expansion() -> Result<(&'static str, u32), ()> {
    // Items in the body live in the body's own scope.
    const __RETRY_POLICY: u32 = 7;
    static __RETRY_SITE: &str = "the user's site";
    Ok((__RETRY_SITE, __RETRY_POLICY))
}

#[test]
fn items_in_the_body_shadow_the_expansions() {
    assert_eq!(items_named_like_the_expansion(), Ok(("the user's site", 7)));
}

// ---------------------------------------------------------------------------------------------
// Bodies with their own control flow.

#[retry(max_attempts = 4, base = "1ms", jitter = "none")]
fn body_with_loops(rounds: &mut u32) -> Result<Vec<u32>, String> {
    *rounds += 1;
    let mut kept = Vec::new();
    for i in 0..10 {
        if i % 2 == 0 {
            continue;
        }
        if i > 7 {
            break;
        }
        kept.push(i);
    }
    let mut n = 0;
    let found = loop {
        n += 1;
        if n == 3 {
            break n * 100;
        }
    };
    kept.push(found);
    'outer: for a in 0..5 {
        for b in 0..5 {
            if a * b == 6 {
                kept.push(a * 10 + b);
                break 'outer;
            }
            if b > a {
                continue 'outer;
            }
        }
    }
    let labelled = 'block: {
        if *rounds > 100 {
            break 'block 0;
        }
        *rounds
    };
    kept.push(labelled);
    while let Some(last) = kept.last() {
        if *last < 1_000 {
            break;
        }
        kept.pop();
    }
    if *rounds < 3 {
        // A `return` inside a nested closure returns from that closure only.
        let early = || -> Result<u32, String> { Err("inner".into()) };
        return Err(early().unwrap_err());
    }
    Ok(kept)
}

#[test]
fn loops_break_and_continue_in_the_body_are_the_bodys_own() {
    let _sleeps = testing::instant_sleep();
    let mut rounds = 0;
    assert_eq!(body_with_loops(&mut rounds), Ok(vec![1, 3, 5, 7, 300, 23, 3]));
    assert_eq!(rounds, 3);
}

#[retry(max_attempts = 3, base = "1ms", jitter = "none")]
async fn async_body_with_loops(values: &mut Vec<i32>) -> Result<i32, String> {
    let mut total = 0;
    while let Some(v) = values.pop() {
        if v < 0 {
            continue;
        }
        if v == 0 {
            return Err("zero".into());
        }
        total += v;
    }
    let mut spins = 0;
    let settled = loop {
        spins += 1;
        tokio::task::yield_now().await;
        if spins == 3 {
            break total;
        }
    };
    let checked: i32 = format!("{settled}").parse().map_err(|_| "nan".to_string())?;
    Ok(checked)
}

#[tokio::test(start_paused = true)]
async fn async_bodies_keep_their_control_flow() {
    let mut values = vec![5, -1, 4, 0, 2, -3];
    // First attempt: -3 skipped, 2 added, 0 fails. Second: 4, -1 skipped, 5.
    assert_eq!(async_body_with_loops(&mut values).await, Ok(9));
    assert!(values.is_empty());
}

#[retry(max_attempts = 3, base = "1ms", jitter = "none")]
fn body_with_macros_and_items(calls: &mut u32) -> io::Result<u32> {
    macro_rules! fail {
        ($kind:ident) => {
            return Err(io::ErrorKind::$kind.into())
        };
    }
    fn double(x: u32) -> u32 {
        x * 2
    }
    struct Local(u32);
    *calls += 1;
    if *calls == 1 {
        fail!(TimedOut);
    }
    Ok(double(Local(*calls).0))
}

#[test]
fn macros_and_items_defined_in_the_body_work() {
    let _sleeps = testing::instant_sleep();
    let mut calls = 0;
    assert_eq!(body_with_macros_and_items(&mut calls).unwrap(), 4);
}

// ---------------------------------------------------------------------------------------------
// Function shapes whose signatures the expansion must leave alone.

trait Named {
    fn name(&self) -> String;
}

impl Named for &str {
    fn name(&self) -> String {
        (*self).to_string()
    }
}

#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
fn generic_with_where<'a, T, const N: usize>(items: &'a [T; N], who: impl Named) -> Result<&'a T, String>
where
    T: PartialEq + 'a,
{
    items.first().ok_or_else(|| who.name())
}

#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
fn returns_impl_trait(n: u32) -> Result<impl std::fmt::Display, String> {
    Ok(n * 2)
}

/// Documented, inlined, must-use: every attribute is kept.
#[inline]
#[must_use = "the result says whether it worked"]
#[retry(max_attempts = 2, base = "1ms", jitter = "none")]
pub(crate) unsafe fn unsafe_with_attributes(p: *const u32) -> Option<u32> {
    // SAFETY: the caller passes a valid pointer.
    Some(unsafe { *p })
}

struct Counter {
    n: u32,
}

impl Counter {
    #[retry(max_attempts = 3, base = "1ms", jitter = "none")]
    fn by_value(self) -> Result<u32, String> {
        Ok(self.n)
    }

    #[retry(max_attempts = 3, base = "1ms", jitter = "none", when = |_| self.n < 10)]
    fn by_ref(&self) -> Result<u32, u32> {
        Err(self.n)
    }

    #[retry(max_attempts = 3, base = "1ms", jitter = "none")]
    fn by_mut(&mut self) -> Result<u32, u32> {
        self.n += 1;
        if self.n < 3 { Err(self.n) } else { Ok(self.n) }
    }
}

#[test]
fn signatures_are_unchanged() {
    let _sleeps = testing::instant_sleep();
    assert_eq!(generic_with_where(&[1, 2, 3], "x"), Ok(&1));
    let empty: [u8; 0] = [];
    assert_eq!(generic_with_where(&empty, "empty"), Err("empty".to_string()));
    assert_eq!(returns_impl_trait(21).unwrap().to_string(), "42");
    let value = 5;
    // SAFETY: `value` is a live u32.
    assert_eq!(unsafe { unsafe_with_attributes(&value) }, Some(5));
    assert_eq!(Counter { n: 4 }.by_value(), Ok(4));
    assert_eq!(Counter { n: 4 }.by_ref(), Err(4));
    let mut counter = Counter { n: 0 };
    assert_eq!(counter.by_mut(), Ok(3));
}
