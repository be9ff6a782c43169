//! `Wrap(&error).view().__retry_view::<R>()`: how to show the error to observers, the richest
//! [`ErrorView`] its type allows, as a function pointer: the site picks it where the error's type
//! is known, the loop calls it only when an observer is listening, and every site with the same
//! error type shares the function. For sites whose keys take over the classification; the
//! others look up the view and the verdict at once (`verdict`).

use super::*;

/// Shows the error of an outcome of type `R`, if it holds one.
pub type ViewFn<R> = for<'r> fn(&'r R) -> Option<ErrorView<'r>>;

/// `show(error)` for the error `outcome` holds.
#[inline(always)]
fn error_of<'r, R: Outcome>(
    outcome: &'r R,
    show: fn(&'r R::Error) -> ErrorView<'r>,
) -> Option<ErrorView<'r>> {
    match outcome.split() {
        Err(Some(error)) => Some(show(error)),
        _ => None,
    }
}

pub(crate) fn of_error<R: Outcome<Error: Error>>(outcome: &R) -> Option<ErrorView<'_>> {
    error_of(outcome, |e| ErrorView::of_error(type_name::<R::Error>(), e))
}
pub(crate) fn of_shared_dyn_error<R: Outcome<Error: AsRef<dyn Error + Send + Sync>>>(
    outcome: &R,
) -> Option<ErrorView<'_>> {
    error_of(outcome, |e| {
        ErrorView::of_error(type_name::<R::Error>(), e.as_ref())
    })
}
pub(crate) fn of_dyn_error<R: Outcome<Error: AsRef<dyn Error>>>(outcome: &R) -> Option<ErrorView<'_>> {
    error_of(outcome, |e| {
        ErrorView::of_error(type_name::<R::Error>(), e.as_ref())
    })
}
pub(crate) fn of_display<R: Outcome<Error: Display>>(outcome: &R) -> Option<ErrorView<'_>> {
    error_of(outcome, |e| ErrorView::of_display(type_name::<R::Error>(), e))
}
pub(crate) fn of_debug<R: Outcome<Error: Debug>>(outcome: &R) -> Option<ErrorView<'_>> {
    error_of(outcome, |e| ErrorView::of_debug(type_name::<R::Error>(), e))
}
pub(crate) fn opaque<R: Outcome>(outcome: &R) -> Option<ErrorView<'_>> {
    error_of(outcome, |_| ErrorView::opaque(type_name::<R::Error>()))
}

// The levels, richest first: a method call on `Wrap(e).view()` tries each in turn through
// `Deref` (see `levels!`).
levels! {
    ByError => BySharedDynError,
    BySharedDynError => ByDynError,
    ByDynError => ByDisplay,
    ByDisplay => ByDebug,
    ByDebug => Wrap,
}

impl<'a, E> Wrap<'a, E> {
    /// Where a site's view lookup starts: `Wrap(&error).view().__retry_view::<R>()`.
    #[inline(always)]
    pub const fn view(self) -> ByError<'a, E> {
        ByError(BySharedDynError(ByDynError(ByDisplay(ByDebug(self)))))
    }
}

impl<E: Error> ByError<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        of_error::<R>
    }
}
impl<E: AsRef<dyn Error + Send + Sync>> BySharedDynError<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        of_shared_dyn_error::<R>
    }
}
impl<E: AsRef<dyn Error>> ByDynError<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        of_dyn_error::<R>
    }
}
impl<E: Display> ByDisplay<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        of_display::<R>
    }
}
impl<E: Debug> ByDebug<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        of_debug::<R>
    }
}
impl<E> Wrap<'_, E> {
    #[inline(always)]
    pub fn __retry_view<R: Outcome<Error = E>>(&self) -> ViewFn<R> {
        opaque::<R>
    }
}
