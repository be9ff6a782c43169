// Other attributes and doc comments, before and after `#[retry]`, are kept.
#![deny(warnings, unused_must_use, missing_docs)]
//! A crate whose lints must still pass with annotated functions.

use retry_runtime::retry;

/// Documented, `#[must_use]` before the attribute.
#[must_use]
#[retry(max_attempts = 2, base = "1ms")]
pub fn must_use_before() -> Result<u32, String> {
    Ok(1)
}

/// `#[must_use]` and `#[inline]` after the attribute.
#[retry(max_attempts = 2, base = "1ms")]
#[must_use = "the value is the point"]
#[inline]
pub fn must_use_after() -> Option<u32> {
    Some(2)
}

#[retry(max_attempts = 2, base = "1ms")]
#[inline(always)]
#[allow(clippy::needless_return, unused_variables)]
/// Docs after the attribute, and an unused argument allowed by `#[allow]`.
pub fn allowed(unused: u32) -> Result<u32, String> {
    return Ok(3);
}

#[doc = "Docs as an attribute."]
#[cfg_attr(test, allow(dead_code))]
#[retry(doc = false)]
#[cfg(not(any()))]
#[track_caller]
pub fn tracked() -> Result<&'static str, String> {
    Ok(std::panic::Location::caller().file())
}

#[deprecated(note = "use something else")]
#[retry]
/// A deprecated function.
pub fn old() -> Result<(), String> {
    Ok(())
}

fn main() {
    let a = must_use_before().unwrap();
    let b = must_use_after().unwrap();
    let c = allowed(0).unwrap();
    assert_eq!(a + b + c, 6);
    assert!(tracked().is_ok());
    #[allow(deprecated)]
    old().unwrap();
}
