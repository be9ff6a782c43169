//! The `#[retry]` attribute. Use it through the `retry-runtime` crate, which re-exports it and
//! holds everything the expansion calls: `use retry_runtime::retry;`.
//!
//! The macro parses the arguments (`args`), parses the function's signature but keeps its body
//! as tokens (`item`), checks the keys against each other and the signature (`validate`), then
//! expands the body into the retry loop (`expand`). When anything is wrong, every error is reported at once,
//! each on the token at fault, and the function is emitted unchanged beside them (`fallback`).

mod args;
mod doc_line;
mod duration;
mod expand;
mod fallback;
mod item;
mod suggest;
mod tokens;
mod validate;

use proc_macro::TokenStream;

/// Retries a function that returns `Result` or `Option`; see the `retry-runtime` crate's docs
/// for every key.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    retry_impl(args.into(), item.into()).into()
}

fn retry_impl(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let function = match item::Function::parse_item(&item) {
        Ok(function) => function,
        Err(error) => {
            let error = not_a_function(&item).unwrap_or(error);
            return fallback::with_errors(item, error);
        }
    };
    let mut errors = args::Errors::default();
    let args = args::parse(args, &mut errors);
    let shape = function.shape();
    validate::check(&args, &function, &shape, &mut errors);
    match errors.into_result() {
        Ok(()) => expand::expand(&args, &function, shape),
        Err(errors) => fallback::with_errors(function.to_original_tokens(), errors),
    }
}

/// A clearer message when the item is not a function at all (a struct, an impl, a module).
fn not_a_function(item: &proc_macro2::TokenStream) -> Option<syn::Error> {
    let parsed: syn::Item = syn::parse2(item.clone()).ok()?;
    let what = match &parsed {
        // A fn without a body parses as verbatim tokens: the fn parser's message fits it best.
        syn::Item::Fn(_) | syn::Item::Verbatim(_) => return None,
        syn::Item::Struct(_) => "a struct",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Impl(_) => "an impl block (put it on the methods inside)",
        syn::Item::Trait(_) => "a trait (put it on the methods of an impl)",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) | syn::Item::Static(_) => "a constant",
        _ => "this item",
    };
    Some(syn::Error::new_spanned(
        first_token(item),
        format!("`#[retry]` goes on a `fn` or `async fn`, not on {what}"),
    ))
}

fn first_token(item: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    // Skip outer attributes (`#` + `[...]`) and visibility to point at the item's keyword.
    let tokens: Vec<_> = item.clone().into_iter().collect();
    let mut i = 0;
    while i + 1 < tokens.len() && matches!(&tokens[i], proc_macro2::TokenTree::Punct(p) if p.as_char() == '#')
    {
        i += 2;
    }
    tokens.get(i).cloned().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expanded(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        super::retry_impl(args, item).to_string()
    }

    #[test]
    fn the_policy_line_is_appended_to_the_docs() {
        let with_docs = expanded(
            quote!(max_attempts = 5),
            quote!(
                #[doc = " Loads."]
                fn load() -> Result<(), ()> {
                    Ok(())
                }
            ),
        );
        let line = "Retried: up to 5 attempts; exponential backoff from 100ms ×2, capped at 10s, full jitter; \
                    at most 1.5s of added waiting.";
        assert!(
            with_docs.contains(&format!("# [doc = \"\"] # [doc = \"{line}\"]")),
            "{with_docs}"
        );
        let without_docs = expanded(
            quote!(max_attempts = 5),
            quote!(
                fn load() -> Result<(), ()> {
                    Ok(())
                }
            ),
        );
        assert!(
            !without_docs.contains("# [doc = \"\"]"),
            "no blank line before a fn's only doc line"
        );
        let off = expanded(
            quote!(doc = false),
            quote!(
                fn load() -> Result<(), ()> {
                    Ok(())
                }
            ),
        );
        assert!(!off.contains("Retried:"), "{off}");
    }

    #[test]
    fn a_rejected_attribute_still_emits_the_function() {
        let out = expanded(
            quote!(max_retries = 3),
            quote!(
                fn load() -> Result<(), ()> {
                    Ok(())
                }
            ),
        );
        assert!(
            out.contains("fn load () -> Result < () , () > { Ok (()) }"),
            "{out}"
        );
        assert!(out.contains("compile_error"), "{out}");
    }
}
