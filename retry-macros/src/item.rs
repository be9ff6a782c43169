//! The annotated function, parsed leniently: attributes, visibility and signature are parsed;
//! the body stays tokens. Not parsing the body is faster and survives syntax errors in it (the
//! compiler reports those, at their own spans, after expansion).

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, FnArg, GenericArgument, PathArguments, ReceiverKind, ReturnType, Signature, Token, Type,
    TypeParamBound, Visibility,
};

/// A function with its body kept as tokens.
pub(crate) struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Group,
}

impl Function {
    /// Parses the annotated item. The body is split off first, so syn never walks its tokens
    /// (it would copy every one of them into its buffer, through the compiler's bridge); anything
    /// unusual goes through the full parse, which gives the precise error.
    pub(crate) fn parse_item(item: &TokenStream) -> syn::Result<Function> {
        let mut trees: Vec<TokenTree> = item.clone().into_iter().collect();
        if let Some(TokenTree::Group(body)) = trees.pop() {
            if body.delimiter() != Delimiter::Brace {
                return syn::parse2(item.clone());
            }
            let head: TokenStream = trees.into_iter().collect();
            if let Ok((attrs, vis, sig)) = syn::parse::Parser::parse2(Self::parse_head, head) {
                return Ok(Function {
                    attrs,
                    vis,
                    sig,
                    body,
                });
            }
        }
        syn::parse2(item.clone())
    }

    /// Attributes, visibility and signature: everything before the body.
    fn parse_head(input: ParseStream<'_>) -> syn::Result<(Vec<Attribute>, Visibility, Signature)> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        // `default fn` (specialisation) is not something a retry loop can be put in front of.
        if input.peek(Token![default]) {
            return Err(input.error("`#[retry]` does not support `default fn`"));
        }
        let sig: Signature = input.parse()?;
        Ok((attrs, vis, sig))
    }
}

impl Parse for Function {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let (attrs, vis, sig) = Self::parse_head(input)?;
        let body = match input.parse::<TokenTree>() {
            Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
            _ => {
                return Err(syn::Error::new_spanned(
                    &sig.ident,
                    "`#[retry]` needs a function with a body; a trait method's declaration has none (put the attribute on the impl's method)",
                ));
            }
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function"));
        }
        Ok(Function {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// How the function runs, which decides how the loop is expanded.
pub(crate) enum Shape {
    /// `fn`: a closure per attempt, blocking sleeps.
    Sync,
    /// `async fn`: an async block per attempt, awaited sleeps.
    Async,
    /// A method already rewritten by `#[async_trait]`: `fn …(…) -> Pin<Box<dyn Future<Output = R> …>>`
    /// whose body is `Box::pin(async move { … })`. The loop goes inside that async block.
    AsyncTrait {
        /// `R`, the real return type.
        output: Box<Type>,
        /// The async block's contents, with argument rebindings adjusted for a loop.
        inner: TokenStream,
    },
}

impl Function {
    pub(crate) fn shape(&self) -> Shape {
        if self.sig.asyncness.is_some() {
            return Shape::Async;
        }
        // The body is looked into only when the signature is `#[async_trait]`'s.
        let Some(output) = future_output(&self.sig.output) else {
            return Shape::Sync;
        };
        match async_trait_block(&self.body) {
            Some(inner) => Shape::AsyncTrait {
                output: Box::new(output),
                inner: adjust_async_trait_bindings(inner, mutable_receiver(&self.sig)),
            },
            None => Shape::Sync,
        }
    }

    /// The names of the plain `name: Type` arguments.
    pub(crate) fn argument_names(&self) -> Vec<Ident> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(typed) => match &*typed.pat {
                    syn::Pat::Ident(pat) => Some(pat.ident.clone()),
                    _ => None,
                },
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// The function exactly as it was written.
    pub(crate) fn to_original_tokens(&self) -> TokenStream {
        let Function {
            attrs,
            vis,
            sig,
            body,
        } = self;
        quote!(#(#attrs)* #vis #sig #body)
    }
}

fn mutable_receiver(sig: &Signature) -> bool {
    matches!(
        sig.receiver().map(|r| &r.kind),
        Some(ReceiverKind::Reference(_, _, Some(_)))
    )
}

/// `R` in `Pin<Box<dyn Future<Output = R> + …>>`.
fn future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let pinned = single_generic(ty, "Pin")?;
    let boxed = single_generic(pinned, "Box")?;
    let Type::TraitObject(object) = boxed else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
            _ => None,
        })
    })
}

/// The one type argument of a path type whose last segment is `name`.
fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// The contents of `async move { … }` in a body that is exactly `Box::pin(async move { … })`.
fn async_trait_block(body: &Group) -> Option<TokenStream> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let [
        TokenTree::Ident(boxed),
        TokenTree::Punct(c1),
        TokenTree::Punct(c2),
        TokenTree::Ident(pin),
        TokenTree::Group(call),
    ] = tokens.as_slice()
    else {
        return None;
    };
    if boxed != "Box" || c1.as_char() != ':' || c2.as_char() != ':' || pin != "pin" {
        return None;
    }
    let inner: Vec<TokenTree> = call.stream().into_iter().collect();
    match inner.as_slice() {
        [TokenTree::Ident(a), TokenTree::Ident(m), TokenTree::Group(block)]
            if a == "async" && m == "move" && block.delimiter() == Delimiter::Brace =>
        {
            Some(block.stream())
        }
        _ => None,
    }
}

/// `#[async_trait]` moves every argument into its block (`let x = x;`, `let __self = self;`).
/// Inside a retry loop each attempt is a fresh block, and a move would leave nothing for the
/// second attempt. The outer `async move` block already owns the arguments, so the rebinding of
/// a plain argument is dropped (attempts borrow it), and `&mut self` is reborrowed per attempt.
fn adjust_async_trait_bindings(inner: TokenStream, mutable_receiver: bool) -> TokenStream {
    let tokens: Vec<TokenTree> = inner.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some((len, replacement)) = rebinding_at(&tokens[i..], mutable_receiver) {
            out.extend(replacement);
            i += len;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// Matches `let [mut] x = x ;` or `let [mut] __self = self ;` at the start of `tokens`.
fn rebinding_at(tokens: &[TokenTree], mutable_receiver: bool) -> Option<(usize, Vec<TokenTree>)> {
    let is_ident = |t: &TokenTree, s: &str| matches!(t, TokenTree::Ident(i) if i == s);
    let is_punct = |t: &TokenTree, c: char| matches!(t, TokenTree::Punct(p) if p.as_char() == c);
    if !is_ident(tokens.first()?, "let") {
        return None;
    }
    let start = if is_ident(tokens.get(1)?, "mut") { 2 } else { 1 };
    let (TokenTree::Ident(bound), eq, TokenTree::Ident(source), semi) = (
        tokens.get(start)?,
        tokens.get(start + 1)?,
        tokens.get(start + 2)?,
        tokens.get(start + 3)?,
    ) else {
        return None;
    };
    if !is_punct(eq, '=') || !is_punct(semi, ';') {
        return None;
    }
    let len = start + 4;
    if bound == "__self" && source == "self" {
        if !mutable_receiver {
            return None;
        }
        let reborrow = quote!(let #bound = &mut *#source;);
        return Some((len, reborrow.into_iter().collect()));
    }
    (bound == source).then(|| (len, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn function(tokens: TokenStream) -> Function {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn keeps_the_body_as_tokens_even_when_it_does_not_parse() {
        let f = function(quote!(pub fn f() -> Result<(), E> { this is not rust ; }));
        assert_eq!(f.sig.ident, "f");
        assert!(matches!(f.shape(), Shape::Sync));
    }

    #[test]
    fn recognises_async_trait_methods() {
        let f = function(quote! {
            fn get<'life0, 'async_trait>(&'life0 mut self, id: String)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, E>> + ::core::marker::Send + 'async_trait>>
            {
                Box::pin(async move {
                    let mut __self = self;
                    let id = id;
                    let __ret: Result<u32, E> = { __self.fetch(&id).await };
                    __ret
                })
            }
        });
        let Shape::AsyncTrait { output, inner } = f.shape() else {
            panic!("not detected")
        };
        assert_eq!(crate::tokens::readable(&output), "Result<u32, E>");
        let inner = inner.to_string();
        assert!(inner.contains("let __self = & mut * self ;"), "{inner}");
        assert!(!inner.contains("let id = id"), "{inner}");
    }

    #[test]
    fn a_declaration_without_body_is_refused() {
        assert!(
            syn::parse2::<Function>(quote!(
                fn f() -> Result<(), E>;
            ))
            .is_err()
        );
        assert!(
            syn::parse2::<Function>(quote!(
                struct S;
            ))
            .is_err()
        );
    }
}
