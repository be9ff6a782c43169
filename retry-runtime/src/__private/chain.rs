//! `(&&&Wrap(&error)).__retry_chain()`: the error's `source()` chain, for `on` and `unless`.
//! Finding a type needs `'static` types, as `downcast_ref` does.

use super::*;

pub trait ViaError<'a> {
    fn __retry_chain(self) -> Chain<'a>;
}
impl<'a, E: Error + 'static> ViaError<'a> for &&&Wrap<'a, E> {
    #[inline]
    fn __retry_chain(self) -> Chain<'a> {
        Chain::of_error(self.0)
    }
}

pub trait ViaSharedDynError<'a> {
    fn __retry_chain(self) -> Chain<'a>;
}
impl<'a, E: AsRef<dyn Error + Send + Sync> + 'static> ViaSharedDynError<'a> for &&Wrap<'a, E> {
    #[inline]
    fn __retry_chain(self) -> Chain<'a> {
        Chain::of_error(self.0.as_ref())
    }
}

pub trait ViaDynError<'a> {
    fn __retry_chain(self) -> Chain<'a>;
}
impl<'a, E: AsRef<dyn Error> + 'static> ViaDynError<'a> for &Wrap<'a, E> {
    #[inline]
    fn __retry_chain(self) -> Chain<'a> {
        Chain::of_error(self.0.as_ref())
    }
}

/// Never implemented: asked for only when the error type has no `source()` chain, so that
/// the compiler's message says so in the user's terms.
#[diagnostic::on_unimplemented(
    message = "`on` and `unless` look for types in the error's `source()` chain, but `{Self}` is not an error type",
    label = "does not implement `std::error::Error`",
    note = "implement `std::error::Error` for it, or use `when = |e| …` to classify its values"
)]
pub trait HasErrorChain {}

/// What the lowest level yields: its `holds` exists for every type, so method resolution
/// succeeds and the unmet `HasErrorChain` bound is what the compiler reports.
pub struct NoChain<E>(core::marker::PhantomData<E>);

impl<E> NoChain<E> {
    pub fn holds<T: Error + 'static>(&self) -> bool
    where
        E: HasErrorChain,
    {
        false
    }
}

pub trait ViaNothing {
    type Chain;
    fn __retry_chain(self) -> Self::Chain;
}
impl<E> ViaNothing for Wrap<'_, E> {
    type Chain = NoChain<E>;
    fn __retry_chain(self) -> NoChain<E> {
        NoChain(core::marker::PhantomData)
    }
}
