//! `Wrap(&error).transient().__retry_is_transient()` and `.__retry_hint()`: [`Transient`] when
//! the type implements it; otherwise every error is retried, with no hint. For sites whose keys
//! (`when`, `on`, `unless`, `retry_after`) take over part of the classification; the others look
//! up the verdict and the view at once (`verdict`).

use super::*;

levels! {
    ByTransient => Wrap,
}

impl<'a, E> Wrap<'a, E> {
    /// Where a site's `Transient` lookup starts.
    #[inline(always)]
    pub const fn transient(self) -> ByTransient<'a, E> {
        ByTransient(self)
    }
}

// Inherent methods, as for the views: the first level whose bounds the type meets is taken.
impl<E: Transient> ByTransient<'_, E> {
    #[inline]
    pub fn __retry_is_transient(&self) -> bool {
        self.0.0.is_transient()
    }
    #[inline]
    pub fn __retry_hint(&self) -> Option<Duration> {
        self.0.0.retry_after()
    }
}
impl<E> Wrap<'_, E> {
    #[inline]
    pub fn __retry_is_transient(&self) -> bool {
        true
    }
    #[inline]
    pub fn __retry_hint(&self) -> Option<Duration> {
        None
    }
}
