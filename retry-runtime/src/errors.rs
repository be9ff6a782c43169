//! The errors the runtime itself produces: an attempt that timed out, a circuit that is open.

use core::fmt;
use std::error::Error;
use std::io;

/// An attempt ran longer than its `attempt_timeout` and was cancelled.
///
/// A site with `attempt_timeout` turns it into its own error type with `E::from(Elapsed)`, so
/// that type needs a `From<Elapsed>` impl (one exists for `std::io::Error`, with kind
/// `TimedOut`). A timed-out attempt is a retryable failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("attempt timed out")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> Self {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

impl crate::Transient for Elapsed {
    fn is_transient(&self) -> bool {
        true
    }
}

/// A circuit breaker was open, so the call failed fast without running.
///
/// A site with `breaker` turns it into its own error type with `E::from(CircuitOpen)`. It is
/// never retried: the dependency is known to be down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CircuitOpen;

impl fmt::Display for CircuitOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("circuit breaker is open")
    }
}

impl Error for CircuitOpen {}

impl From<CircuitOpen> for io::Error {
    fn from(open: CircuitOpen) -> Self {
        // Not a transient kind: an open circuit means "don't call now", not "call again soon".
        io::Error::other(open)
    }
}

impl crate::Transient for CircuitOpen {
    fn is_transient(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transient;

    #[test]
    fn io_conversions_keep_their_meaning() {
        let timed_out = io::Error::from(Elapsed);
        assert_eq!(timed_out.kind(), io::ErrorKind::TimedOut);
        assert!(timed_out.is_transient());
        let open = io::Error::from(CircuitOpen);
        assert!(!open.is_transient());
        assert_eq!(open.to_string(), "circuit breaker is open");
        assert_eq!(Elapsed.to_string(), "attempt timed out");
    }
}
