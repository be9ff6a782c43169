// Hygiene: the expansion names `::core` and `::retry_runtime` absolutely, so local modules named
// `core`, `std` and `retry_runtime` (and a local `Result`, `Option`, `Ok`…) change nothing.
#![deny(warnings)]
#![allow(dead_code)]

mod core {}
mod std {}

#[allow(non_camel_case_types)]
struct Duration;
struct Policy;
enum Never {}
type Result = Never;
type Option = Never;
#[allow(non_snake_case)]
fn Ok() {}
#[allow(non_snake_case)]
fn Some() {}
fn drop() {}
fn line() {}

mod inner {
    // `retry_runtime` names `std` here: the expansion must still reach the real runtime.
    use ::retry_runtime::retry;
    use ::std as retry_runtime;

    #[allow(unused_imports)]
    use retry_runtime::io;

    #[retry(max_attempts = 2, base = "1ms", on = ::std::io::Error, context = attempt)]
    pub fn sync(calls: &mut u32) -> ::std::io::Result<u32> {
        *calls += 1;
        if attempt.number() == 1 {
            return ::core::result::Result::Err(::std::io::ErrorKind::TimedOut.into());
        }
        ::core::result::Result::Ok(*calls)
    }

    #[retry(max_attempts = 2, base = "1ms", attempt_timeout = "1s", until = |v: &u32| *v > 0, retry_after = |_| ::core::option::Option::None)]
    pub async fn nonblocking() -> ::core::result::Result<u32, ::std::io::Error> {
        ::core::result::Result::Ok(1)
    }
}

use ::retry_runtime::retry;

#[retry(max_attempts = 3, base = "1ms", jitter = "none", backoff = "linear", deadline = "1m", when = |_| true, unless = Fatal, name = "hygiene", clone = [owned])]
fn top_level(owned: ::std::string::String) -> ::core::result::Result<::std::string::String, Fatal> {
    ::core::result::Result::Ok(owned)
}

#[retry(max_attempts = 2, base = "1ms", until = |v: &u32| *v > 1)]
fn with_option(calls: &mut u32) -> ::core::option::Option<u32> {
    *calls += 1;
    ::core::option::Option::Some(*calls)
}

#[derive(Debug)]
struct Fatal;
impl ::core::fmt::Display for Fatal {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str("fatal")
    }
}
impl ::std::error::Error for Fatal {}

#[retry(max_attempts = 3, base = "1ms", unless = Fatal)]
fn with_error() -> ::core::result::Result<(), Fatal> {
    ::core::result::Result::Err(Fatal)
}

fn main() {
    let _sleeps = ::retry_runtime::testing::instant_sleep();
    let mut calls = 0;
    ::core::assert_eq!(inner::sync(&mut calls).unwrap(), 2);
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    ::core::assert_eq!(runtime.block_on(inner::nonblocking()).unwrap(), 1);
    ::core::assert_eq!(top_level("x".into()).unwrap(), "x");
    let mut calls = 0;
    ::core::assert_eq!(with_option(&mut calls), ::core::option::Option::Some(2));
    ::core::assert!(with_error().is_err());
}
