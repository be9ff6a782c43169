//! `Wrap(&error).verdict().__retry_verdict::<R>()`: the [`Verdict`] on an error and how to show
//! it, in one lookup, for a site without `when`, `on`, `unless` or `retry_after` (most sites).
//!
//! One lookup over both questions, whether the type implements [`Transient`] and how richly it
//! can be shown, costs rustc about half of what a lookup for each does: every site pays for its
//! lookups in type checking. So the levels are the pairs, ordered so that the first level whose
//! bounds a type meets is the right pair: at each way of showing it, `Transient` before not.
//! The usual error types (`Transient` or not, with `std::error::Error`) stop at the first or
//! second level.

use super::view::{of_debug, of_display, of_dyn_error, of_error, of_shared_dyn_error, opaque};
use super::*;
use crate::engine::Classified;

levels! {
    TransientError => PlainError,
    PlainError => TransientSharedDynError,
    TransientSharedDynError => PlainSharedDynError,
    PlainSharedDynError => TransientDynError,
    TransientDynError => PlainDynError,
    PlainDynError => TransientDisplay,
    TransientDisplay => PlainDisplay,
    PlainDisplay => TransientDebug,
    TransientDebug => PlainDebug,
    PlainDebug => TransientOpaque,
    TransientOpaque => Wrap,
}

impl<'a, E> Wrap<'a, E> {
    /// Where a site's lookup starts.
    #[inline(always)]
    pub const fn verdict(self) -> TransientError<'a, E> {
        TransientError(PlainError(TransientSharedDynError(PlainSharedDynError(
            TransientDynError(PlainDynError(TransientDisplay(PlainDisplay(TransientDebug(
                PlainDebug(TransientOpaque(self)),
            ))))),
        ))))
    }
}

/// The verdict on an error whose type implements [`Transient`].
#[inline]
fn transient<E: Transient>(error: &E) -> Verdict {
    Verdict::error(error.is_transient(), error.retry_after())
}

/// The verdict on any other error: retried, with no hint.
#[inline]
fn plain<E>(_: &E) -> Verdict {
    Verdict::error(true, None)
}

// Written out, not by `verdicts!`: when the return type is not an `Outcome` the error lands on
// this first level, and its note then quotes plain code rather than a macro invocation.
impl<E: Transient + Error> TransientError<'_, E> {
    #[inline]
    pub fn __retry_verdict<R: Outcome<Error = E>>(&self) -> Classified<R> {
        let error: &Wrap<'_, E> = self;
        (transient(error.0), Some(of_error::<R>))
    }
}

/// One inherent `__retry_verdict` per level: its bounds, how it decides, how it shows.
macro_rules! verdicts {
    ($($level:ident [$($bounds:tt)*] $decide:ident $show:ident;)*) => {$(
        impl<E: $($bounds)*> $level<'_, E> {
            #[inline]
            pub fn __retry_verdict<R: Outcome<Error = E>>(&self) -> Classified<R> {
                let error: &Wrap<'_, E> = self;
                ($decide(error.0), Some($show::<R>))
            }
        }
    )*};
}

verdicts! {
    PlainError [Error] plain of_error;
    TransientSharedDynError [Transient + AsRef<dyn Error + Send + Sync>] transient of_shared_dyn_error;
    PlainSharedDynError [AsRef<dyn Error + Send + Sync>] plain of_shared_dyn_error;
    TransientDynError [Transient + AsRef<dyn Error>] transient of_dyn_error;
    PlainDynError [AsRef<dyn Error>] plain of_dyn_error;
    TransientDisplay [Transient + Display] transient of_display;
    PlainDisplay [Display] plain of_display;
    TransientDebug [Transient + Debug] transient of_debug;
    PlainDebug [Debug] plain of_debug;
    TransientOpaque [Transient] transient opaque;
}

impl<E> Wrap<'_, E> {
    #[inline]
    pub fn __retry_verdict<R: Outcome<Error = E>>(&self) -> Classified<R> {
        (plain(self.0), Some(opaque::<R>))
    }
}
