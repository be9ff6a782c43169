//! [`ErrorView`]: a failed attempt's error, lent to observers without allocating.

use core::fmt;
use std::error::Error;

/// The error of a failed attempt, lent to an [`Observer`](crate::Observer) for the duration of
/// one event.
///
/// `#[retry]` puts no trait bound on the error type for this: the view shows the error's
/// `Display` when the type has one, else its `Debug`, else just its type name, and its
/// `source()` chain when it is an [`Error`] (including `Box<dyn Error>` and `anyhow::Error`).
/// Nothing is formatted or allocated until the observer asks.
///
/// Error messages can carry payloads or credentials: an observer that ships them off the machine
/// should opt in to that deliberately.
#[derive(Clone, Copy)]
pub struct ErrorView<'a> {
    type_name: &'static str,
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    Error(&'a (dyn Error + 'a)),
    Display(&'a (dyn fmt::Display + 'a)),
    Debug(&'a (dyn fmt::Debug + 'a)),
    Opaque,
}

impl<'a> ErrorView<'a> {
    /// A view of an [`Error`]: message and source chain.
    pub fn of_error(type_name: &'static str, error: &'a (dyn Error + 'a)) -> Self {
        ErrorView {
            type_name,
            repr: Repr::Error(error),
        }
    }

    /// A view of a value that only has `Display`.
    pub fn of_display(type_name: &'static str, value: &'a (dyn fmt::Display + 'a)) -> Self {
        ErrorView {
            type_name,
            repr: Repr::Display(value),
        }
    }

    /// A view of a value that only has `Debug`.
    pub fn of_debug(type_name: &'static str, value: &'a (dyn fmt::Debug + 'a)) -> Self {
        ErrorView {
            type_name,
            repr: Repr::Debug(value),
        }
    }

    /// A view that knows only the type's name.
    pub fn opaque(type_name: &'static str) -> Self {
        ErrorView {
            type_name,
            repr: Repr::Opaque,
        }
    }

    /// The error type's name, as `core::any::type_name` spells it (`std::io::error::Error`).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The error as an [`Error`], when it is one.
    #[must_use]
    pub fn as_error(&self) -> Option<&'a (dyn Error + 'a)> {
        match self.repr {
            Repr::Error(error) => Some(error),
            _ => None,
        }
    }

    /// The errors of the `source()` chain, after the error itself; empty when it is not an
    /// [`Error`].
    pub fn sources(&self) -> impl Iterator<Item = &'a (dyn Error + 'static)> + 'a {
        let first = self.as_error().and_then(|error| error.source());
        // Bounded so that a cyclic hand-written `source()` cannot hang an observer.
        core::iter::successors(first, |&error: &&'a (dyn Error + 'static)| error.source()).take(64)
    }
}

/// The error's `Display` if it has one, else its `Debug`, else its type name.
impl fmt::Display for ErrorView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Error(error) => fmt::Display::fmt(error, f),
            Repr::Display(value) => fmt::Display::fmt(value, f),
            Repr::Debug(value) => fmt::Debug::fmt(value, f),
            Repr::Opaque => f.write_str(self.type_name),
        }
    }
}

impl fmt::Debug for ErrorView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorView")
            .field("type_name", &self.type_name)
            .field("message", &format_args!("{self}"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn each_representation_displays() {
        let err = io::Error::other(io::Error::from(io::ErrorKind::TimedOut));
        let view = ErrorView::of_error("io::Error", &err);
        assert_eq!(view.to_string(), "timed out");
        assert!(view.as_error().is_some());
        assert_eq!(ErrorView::of_display("S", &"text").to_string(), "text");
        assert_eq!(ErrorView::of_debug("S", &"text").to_string(), "\"text\"");
        assert_eq!(ErrorView::opaque("my::Type").to_string(), "my::Type");
        assert_eq!(ErrorView::opaque("T").sources().count(), 0);
    }
}
