//! What is emitted when the attribute is rejected: the function exactly as written, beside the
//! errors, so the rest of the crate (and the IDE) keeps seeing it and nothing else cascades.

use proc_macro2::TokenStream;
use quote::quote;

/// The original item followed by every error.
pub(crate) fn with_errors(original: TokenStream, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    quote!(#original #errors)
}
