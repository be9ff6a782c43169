//! The `#[retry]` attribute.
use proc_macro::TokenStream;
/// Retries.
#[proc_macro_attribute]
pub fn retry(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
