//! Deciding whether a failure is worth another attempt.
//!
//! [`Outcome`] splits a function's return value into success and failure for `Result` and
//! `Option` (and any alias of them). [`Transient`] lets an error type say which of its values are
//! worth retrying. [`Chain`] finds a type anywhere in an error's `source()` chain, for the
//! attribute's `on` and `unless` keys.

use core::time::Duration;
use std::error::Error;
use std::io;

/// A return type `#[retry]` and [`call`](crate::call) can retry: `Result<T, E>` (including
/// aliases such as `std::io::Result<T>` and `anyhow::Result<T>`) or `Option<T>`, where `None` is a
/// retryable failure.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a function that returns `Result<T, E>` or `Option<T>`, not `{Self}`",
    label = "this is neither a `Result` nor an `Option`",
    note = "return `Result<T, E>` (or an alias such as `std::io::Result<T>`), or `Option<T>` where `None` is retried"
)]
pub trait Outcome {
    /// The success value: `T`.
    type Value;
    /// The error value: `E` for `Result<T, E>`, [`core::convert::Infallible`] for `Option<T>`.
    type Error;

    /// `Ok(value)` on success; on failure `Err(Some(error))`, or `Err(None)` for `Option::None`.
    fn split(&self) -> Result<&Self::Value, Option<&Self::Error>>;
}

impl<T, E> Outcome for Result<T, E> {
    type Value = T;
    type Error = E;

    #[inline(always)]
    fn split(&self) -> Result<&T, Option<&E>> {
        match self {
            Ok(value) => Ok(value),
            Err(error) => Err(Some(error)),
        }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    type Error = core::convert::Infallible;

    #[inline(always)]
    fn split(&self) -> Result<&T, Option<&core::convert::Infallible>> {
        match self {
            Some(value) => Ok(value),
            None => Err(None),
        }
    }
}

/// An error type that knows which of its values are worth retrying.
///
/// With neither `on` nor `when`, `#[retry]` retries an error when `is_transient` says so, for
/// types that implement this trait, and retries every error of types that don't. `retry_after`
/// is a server's hint for the next delay (an HTTP `Retry-After`, a gRPC `RetryInfo`); it replaces
/// the computed delay, capped at `max_delay`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::Transient;
///
/// #[derive(Debug)]
/// enum ApiError { RateLimited { wait_secs: u64 }, NotFound }
///
/// impl Transient for ApiError {
///     fn is_transient(&self) -> bool {
///         matches!(self, ApiError::RateLimited { .. })
///     }
///     fn retry_after(&self) -> Option<Duration> {
///         match self {
///             ApiError::RateLimited { wait_secs } => Some(Duration::from_secs(*wait_secs)),
///             ApiError::NotFound => None,
///         }
///     }
/// }
/// assert!(!ApiError::NotFound.is_transient());
/// ```
pub trait Transient {
    /// Whether another attempt may succeed.
    fn is_transient(&self) -> bool;

    /// How long the other side asked us to wait, if it did.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// By [`io::ErrorKind`]: timeouts, resets, refused and aborted connections, broken pipes,
/// interruptions, `WouldBlock`, `UnexpectedEof`, unreachable hosts and networks, a network that
/// is down and a busy resource are transient; everything else (`NotFound`, `PermissionDenied`,
/// `InvalidInput`, `InvalidData`, `Unsupported`, `AlreadyExists`, …) is permanent.
impl Transient for io::Error {
    fn is_transient(&self) -> bool {
        is_transient_kind(self.kind())
    }
}

/// The `io::ErrorKind`s worth retrying; see the `Transient` impl for `io::Error`.
#[must_use]
pub fn is_transient_kind(kind: io::ErrorKind) -> bool {
    use io::ErrorKind::*;
    matches!(
        kind,
        TimedOut
            | ConnectionReset
            | ConnectionRefused
            | ConnectionAborted
            | NotConnected
            | BrokenPipe
            | Interrupted
            | WouldBlock
            | UnexpectedEof
            | HostUnreachable
            | NetworkUnreachable
            | NetworkDown
            | ResourceBusy
    )
}

/// An error's `source()` chain, for finding a type anywhere in it (the `on` and `unless` keys).
///
/// The chain starts with the error itself. An `std::io::Error` made with `io::Error::new(kind,
/// inner)` hides `inner` from `source()`; the walk looks inside it too.
#[derive(Clone, Copy)]
pub struct Chain<'a> {
    error: &'a (dyn Error + 'static),
}

impl<'a> Chain<'a> {
    /// The chain that starts at `error`.
    pub fn of_error(error: &'a (dyn Error + 'static)) -> Self {
        Chain { error }
    }

    /// Whether the error, or anything in its `source()` chain, is a `T`.
    pub fn holds<T: Error + 'static>(&self) -> bool {
        let mut next = Some(self.error);
        // A cycle in a hand-written `source()` must not hang the caller: bound the walk.
        for _ in 0..64 {
            let Some(error) = next else { return false };
            if error.is::<T>() || io_inner(error).is_some_and(|inner| inner.is::<T>()) {
                return true;
            }
            next = error.source();
        }
        false
    }
}

/// The error inside an `io::Error::new(kind, inner)`, which `source()` skips over.
fn io_inner<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a (dyn Error + 'static)> {
    let inner = error.downcast_ref::<io::Error>()?.get_ref()?;
    Some(inner as &(dyn Error + 'static))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Inner;
    impl fmt::Display for Inner {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("inner")
        }
    }
    impl Error for Inner {}

    #[derive(Debug)]
    struct Outer(Inner);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn io_kinds_split_as_documented() {
        use io::ErrorKind::*;
        for kind in [
            TimedOut,
            ConnectionReset,
            ConnectionRefused,
            Interrupted,
            UnexpectedEof,
        ] {
            assert!(io::Error::from(kind).is_transient(), "{kind:?}");
        }
        for kind in [
            NotFound,
            PermissionDenied,
            InvalidInput,
            InvalidData,
            Unsupported,
            AlreadyExists,
            Other,
        ] {
            assert!(!io::Error::from(kind).is_transient(), "{kind:?}");
        }
    }

    #[test]
    fn chain_finds_types_at_any_depth() {
        let outer = Outer(Inner);
        let chain = Chain::of_error(&outer);
        assert!(chain.holds::<Outer>());
        assert!(chain.holds::<Inner>());
        assert!(!chain.holds::<io::Error>());
    }

    #[test]
    fn chain_looks_inside_io_errors() {
        let err = io::Error::other(Outer(Inner));
        let chain = Chain::of_error(&err);
        assert!(chain.holds::<io::Error>());
        assert!(chain.holds::<Outer>());
        assert!(chain.holds::<Inner>());
    }

    #[test]
    fn outcome_splits_results_and_options() {
        assert_eq!(Ok::<u8, ()>(1).split(), Ok(&1));
        assert_eq!(Err::<u8, ()>(()).split(), Err(Some(&())));
        assert_eq!(Some(2).split(), Ok(&2));
        assert_eq!(None::<u8>.split(), Err(None));
    }
}
