//! The attribute's arguments: `key = value` pairs → [`Args`].
//!
//! The argument list is split at top-level commas first, so one bad pair never hides the next:
//! every independent mistake is reported in one pass. Each error is spanned on the smallest
//! token at fault: the key for an unknown or repeated key, the value for a bad value.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitBool, LitStr, Path, Token, Type};

use crate::{duration, suggest};

/// Every key, in the order the docs list them.
pub(crate) const KEYS: &[&str] = &[
    "max_attempts",
    "base",
    "factor",
    "max_delay",
    "backoff",
    "jitter",
    "on",
    "when",
    "unless",
    "until",
    "retry_after",
    "deadline",
    "attempt_timeout",
    "budget",
    "breaker",
    "policy",
    "name",
    "context",
    "clone",
    "observer",
    "sleeper",
    "crate",
    "doc",
];

/// Names people bring from other libraries, and what to write here instead.
const CONFUSIONS: &[(&str, &str)] = &[
    (
        "max_retries",
        "did you mean `max_attempts`? It counts every attempt, the first included: `max_retries = 3` is `max_attempts = 4`",
    ),
    (
        "retries",
        "did you mean `max_attempts`? It counts every attempt, the first included: 3 retries is `max_attempts = 4`",
    ),
    ("attempts", "did you mean `max_attempts`?"),
    ("max_tries", "did you mean `max_attempts`?"),
    ("tries", "did you mean `max_attempts`?"),
    (
        "delay",
        "did you mean `base` (the first delay) or `max_delay` (the cap)?",
    ),
    ("initial_delay", "did you mean `base`? It is the first delay"),
    ("min_delay", "did you mean `base`? It is the first delay"),
    (
        "timeout",
        "did you mean `attempt_timeout` (each attempt) or `deadline` (the whole call)?",
    ),
    ("max_elapsed", "did you mean `deadline`? It bounds the whole call"),
    ("max_backoff", "did you mean `max_delay`? It caps every delay"),
    ("cap", "did you mean `max_delay`? It caps every delay"),
    ("multiplier", "did you mean `factor`?"),
    ("strategy", "did you mean `backoff`?"),
    (
        "retry_if",
        "did you mean `when`? It takes a closure `|error| -> bool`",
    ),
    ("retry_on", "did you mean `on`? It takes an error type"),
];

/// A key's value with the key it came from, for errors that point at either.
pub(crate) struct Given<T> {
    pub key: Ident,
    pub value: T,
    pub span: Span,
}

/// The parsed arguments; `None` where a key was not given (or was given wrongly).
#[derive(Default)]
pub(crate) struct Args {
    pub max_attempts: Option<Given<u32>>,
    pub base: Option<Given<u64>>,
    pub factor: Option<Given<f64>>,
    pub max_delay: Option<Given<u64>>,
    pub backoff: Option<Given<String>>,
    pub jitter: Option<Given<String>>,
    pub on: Option<Given<Vec<Type>>>,
    pub when: Option<Given<Expr>>,
    pub unless: Option<Given<Vec<Type>>>,
    pub until: Option<Given<Expr>>,
    pub retry_after: Option<Given<Expr>>,
    pub deadline: Option<Given<u64>>,
    pub attempt_timeout: Option<Given<u64>>,
    pub budget: Option<Given<Path>>,
    pub breaker: Option<Given<Path>>,
    pub policy: Option<Given<Expr>>,
    pub name: Option<Given<LitStr>>,
    pub context: Option<Given<Ident>>,
    pub clone: Option<Given<Vec<Ident>>>,
    pub observer: Option<Given<Path>>,
    pub sleeper: Option<Given<Path>>,
    pub krate: Option<Given<Path>>,
    pub doc: Option<Given<bool>>,
}

pub(crate) const BACKOFFS: &[&str] = &["exponential", "constant", "linear", "fibonacci"];
pub(crate) const JITTERS: &[&str] = &["none", "full", "equal", "decorrelated"];

/// Errors collected while parsing, reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Parses the whole argument list, collecting every error.
pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    for pair in split_pairs(tokens) {
        if let Err(error) = parse_pair(&mut args, pair) {
            errors.push(error);
        }
    }
    args
}

/// The tokens between top-level commas. Commas inside brackets or a closure's body are inside
/// groups and stay put; three other places can hold a comma that does not end the pair, and are
/// tracked: a closure's `|a, b|` parameter list, the generic arguments of a type (`on =
/// Either<A, B>`), and a turbofish (`when = is::<A, B>`). In expressions a bare `<` is a
/// comparison, so only the type keys and `::<` open generic arguments there.
fn split_pairs(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    #[derive(PartialEq)]
    enum State {
        Key,
        ValueStart,
        ClosureParams,
        Value,
    }
    let mut pairs = vec![Vec::new()];
    let mut state = State::Key;
    let mut type_value = false;
    let mut angles = 0usize;
    let mut previous: Option<TokenTree> = None;
    for token in tokens {
        let after_path_sep = matches!(&previous, Some(TokenTree::Punct(p)) if p.as_char() == ':');
        let after_minus = matches!(&previous, Some(TokenTree::Punct(p)) if p.as_char() == '-');
        match (&state, &token) {
            (State::Key, TokenTree::Ident(key)) => type_value = key == "on" || key == "unless",
            (State::ClosureParams, TokenTree::Punct(p)) if p.as_char() == '|' => state = State::Value,
            (State::ClosureParams, _) => {}
            // `||` arrives as two pipes: the second closes an empty parameter list.
            (State::ValueStart, TokenTree::Punct(p)) if p.as_char() == '|' => state = State::ClosureParams,
            (State::ValueStart, TokenTree::Ident(i)) if i == "move" || i == "async" => {}
            (_, TokenTree::Punct(p))
                if p.as_char() == '<' && (type_value || angles > 0 || after_path_sep) =>
            {
                angles += 1;
            }
            (_, TokenTree::Punct(p)) if p.as_char() == '>' && angles > 0 && !after_minus => angles -= 1,
            (_, TokenTree::Punct(p)) if p.as_char() == ',' && angles == 0 => {
                pairs.push(Vec::new());
                state = State::Key;
                previous = None;
                continue;
            }
            (State::Key, TokenTree::Punct(p)) if p.as_char() == '=' => state = State::ValueStart,
            (State::ValueStart, _) => state = State::Value,
            _ => {}
        }
        previous = Some(token.clone());
        if let Some(pair) = pairs.last_mut() {
            pair.push(token);
        }
    }
    pairs.retain(|pair| !pair.is_empty());
    pairs
}

fn parse_pair(args: &mut Args, pair: Vec<TokenTree>) -> syn::Result<()> {
    let mut tokens = pair.into_iter();
    let key = match tokens.next() {
        Some(TokenTree::Ident(ident)) => ident,
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "expected a key such as `max_attempts = 5`",
            ));
        }
        None => unreachable!("empty pairs are dropped"),
    };
    let name = key.to_string();
    if !KEYS.contains(&name.as_str()) {
        return Err(unknown_key(&key, &name));
    }
    let value: TokenStream = match tokens.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => tokens.collect(),
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                format!("expected `=` after `{name}`, as in `{name} = {}`", example(&name)),
            ));
        }
        None => {
            return Err(syn::Error::new(
                key.span(),
                format!("`{name}` needs a value, as in `{name} = {}`", example(&name)),
            ));
        }
    };
    if value.is_empty() {
        return Err(syn::Error::new(
            key.span(),
            format!("`{name}` needs a value, as in `{name} = {}`", example(&name)),
        ));
    }
    let span = span_of(&value);
    macro_rules! set {
        ($slot:ident, $parse:expr) => {{
            let parsed = $parse(value, &name)?;
            set_once(&mut args.$slot, key, parsed, span)
        }};
    }
    match name.as_str() {
        "max_attempts" => set!(max_attempts, parse_attempts),
        "base" => set!(base, parse_duration),
        "factor" => set!(factor, parse_factor),
        "max_delay" => set!(max_delay, parse_duration),
        "backoff" => set!(backoff, |v, n| parse_choice(v, n, BACKOFFS)),
        "jitter" => set!(jitter, |v, n| parse_choice(v, n, JITTERS)),
        "on" => set!(on, parse_types),
        "when" => set!(when, parse_callable),
        "unless" => set!(unless, parse_types),
        "until" => set!(until, parse_callable),
        "retry_after" => set!(retry_after, parse_callable),
        "deadline" => set!(deadline, parse_duration),
        "attempt_timeout" => set!(attempt_timeout, parse_duration),
        "budget" => set!(budget, parse_path),
        "breaker" => set!(breaker, parse_path),
        "policy" => set!(policy, |v: TokenStream, _: &str| syn::parse2::<Expr>(v)),
        "name" => set!(name, parse_name),
        "context" => set!(context, parse_binding),
        "clone" => set!(clone, parse_idents),
        "observer" => set!(observer, parse_path),
        "sleeper" => set!(sleeper, parse_path),
        "crate" => set!(krate, parse_crate),
        "doc" => set!(doc, parse_bool),
        _ => unreachable!("KEYS and this match list the same keys"),
    }
}

/// One generic "set once" for every key, so no pair of keys can share a duplicate bug.
fn set_once<T>(slot: &mut Option<Given<T>>, key: Ident, value: T, span: Span) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` is given twice; keep one"),
        ));
    }
    *slot = Some(Given { key, value, span });
    Ok(())
}

fn unknown_key(key: &Ident, name: &str) -> syn::Error {
    let hint = CONFUSIONS
        .iter()
        .find(|(wrong, _)| *wrong == name)
        .map(|(_, hint)| (*hint).to_string())
        .or_else(|| suggest::closest(name, KEYS.iter().copied()).map(|k| format!("did you mean `{k}`?")));
    let hint = hint.map(|h| format!("; {h}")).unwrap_or_default();
    syn::Error::new(
        key.span(),
        format!("unknown key `{name}`{hint}\nexpected one of: {}", KEYS.join(", ")),
    )
}

/// A short example value for a key, for messages.
fn example(key: &str) -> &'static str {
    match key {
        "max_attempts" => "5",
        "base" | "max_delay" | "deadline" | "attempt_timeout" => "\"100ms\"",
        "factor" => "2.0",
        "backoff" => "\"exponential\"",
        "jitter" => "\"full\"",
        "on" | "unless" => "std::io::Error",
        "when" => "|e| e.is_timeout()",
        "until" => "|v| v.is_ready()",
        "retry_after" => "|e| e.retry_after()",
        "budget" => "BUDGET",
        "breaker" => "BREAKER",
        "policy" => "API_POLICY",
        "name" => "\"fetch_user\"",
        "context" => "attempt",
        "clone" => "[request]",
        "observer" => "OBSERVER",
        "sleeper" => "SLEEPER",
        "crate" => "\"::retry_runtime\"",
        _ => "true",
    }
}

fn span_of(tokens: &TokenStream) -> Span {
    let mut iter = tokens.clone().into_iter();
    let first = iter.next().map_or_else(Span::call_site, |t| t.span());
    let last = iter.last().map_or(first, |t| t.span());
    first.join(last).unwrap_or(first)
}

fn parse_lit(value: TokenStream) -> syn::Result<Lit> {
    syn::parse2::<Lit>(value)
}

fn parse_attempts(value: TokenStream, _: &str) -> syn::Result<u32> {
    if let Ok(Expr::Unary(unary)) = syn::parse2::<Expr>(value.clone()) {
        if matches!(unary.op, syn::UnOp::Neg(_)) && matches!(*unary.expr, Expr::Lit(_)) {
            return Err(syn::Error::new_spanned(
                &value,
                "`max_attempts` must be at least 1: it counts every attempt, the first included",
            ));
        }
    }
    let lit = match syn::parse2::<Lit>(value.clone()) {
        Ok(Lit::Int(lit)) => lit,
        _ => {
            return Err(syn::Error::new_spanned(
                &value,
                "`max_attempts` takes an integer literal such as `max_attempts = 5`; for a value from a constant or configuration, use `policy = …`",
            ));
        }
    };
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            "`max_attempts` must be at least 1: it counts every attempt, the first included (`max_attempts = 1` never retries)",
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(syn::Error::new(lit.span(), "`max_attempts` must fit in a `u32`")),
    }
}

fn parse_duration(value: TokenStream, key: &str) -> syn::Result<u64> {
    match parse_lit(value.clone()) {
        Ok(Lit::Str(lit)) => {
            duration::parse(&lit.value()).map_err(|message| syn::Error::new(lit.span(), message))
        }
        Ok(Lit::Int(lit)) => Err(syn::Error::new(
            lit.span(),
            format!(
                "`{key}` takes a duration string with a unit; did you mean `{key} = \"{}ms\"`?",
                lit.base10_digits()
            ),
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!(
                "`{key}` takes a duration string such as `{key} = \"100ms\"` (units: ns, us, ms, s, m, h)"
            ),
        )),
    }
}

fn parse_factor(value: TokenStream, _: &str) -> syn::Result<f64> {
    let (factor, span) = match parse_lit(value.clone()) {
        Ok(Lit::Float(lit)) => (lit.base10_parse::<f64>()?, lit.span()),
        Ok(Lit::Int(lit)) => (lit.base10_parse::<f64>()?, lit.span()),
        _ => {
            return Err(syn::Error::new_spanned(
                &value,
                "`factor` takes a number such as `factor = 2.0`",
            ));
        }
    };
    if !(factor >= 1.0 && factor.is_finite()) {
        return Err(syn::Error::new(
            span,
            "`factor` must be at least 1.0: delays grow (or stay) from one retry to the next",
        ));
    }
    Ok(factor)
}

fn parse_choice(value: TokenStream, key: &str, choices: &[&str]) -> syn::Result<String> {
    let expected = choices
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let (text, span) = match parse_lit(value.clone()) {
        Ok(Lit::Str(lit)) => (lit.value(), lit.span()),
        _ => {
            let bare = value.to_string();
            let hint = if choices.contains(&bare.as_str()) {
                format!("; write it as a string: `{key} = \"{bare}\"`")
            } else {
                String::new()
            };
            return Err(syn::Error::new_spanned(
                &value,
                format!("`{key}` takes one of {expected}{hint}"),
            ));
        }
    };
    if choices.contains(&text.as_str()) {
        return Ok(text);
    }
    let hint = suggest::closest(&text, choices.iter().copied())
        .map(|c| format!("; did you mean \"{c}\"?"))
        .unwrap_or_default();
    Err(syn::Error::new(
        span,
        format!("unknown {key} \"{text}\"; expected one of {expected}{hint}"),
    ))
}

/// `T` or `[T1, T2, …]`.
fn parse_types(value: TokenStream, key: &str) -> syn::Result<Vec<Type>> {
    let mut iter = value.clone().into_iter();
    if let (Some(TokenTree::Group(group)), None) = (iter.next(), iter.next()) {
        if group.delimiter() == Delimiter::Bracket {
            let types = Punctuated::<Type, Token![,]>::parse_terminated.parse2(group.stream())?;
            if types.is_empty() {
                return Err(syn::Error::new(
                    group.span(),
                    format!("`{key}` needs at least one error type, as in `{key} = [std::io::Error]`"),
                ));
            }
            return Ok(types.into_iter().collect());
        }
    }
    let ty = syn::parse2::<Type>(value).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!(
                "`{key}` takes an error type or a list of them, as in `{key} = [std::io::Error, MyError]`"
            ),
        )
    })?;
    Ok(vec![ty])
}

/// A closure or a path to a fn; a literal here is always a mistake.
fn parse_callable(value: TokenStream, key: &str) -> syn::Result<Expr> {
    let expr = syn::parse2::<Expr>(value)?;
    if let Expr::Lit(lit) = &expr {
        return Err(syn::Error::new_spanned(
            lit,
            format!(
                "`{key}` takes a closure or a fn path, as in `{key} = {}`",
                example(key)
            ),
        ));
    }
    Ok(expr)
}

fn parse_path(value: TokenStream, key: &str) -> syn::Result<Path> {
    syn::parse2::<Path>(value.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &value,
            format!(
                "`{key}` takes the path of a `static`, as in `{key} = {}`",
                example(key)
            ),
        )
    })
}

fn parse_name(value: TokenStream, _: &str) -> syn::Result<LitStr> {
    match parse_lit(value.clone()) {
        Ok(Lit::Str(lit)) if !lit.value().trim().is_empty() => Ok(lit),
        Ok(Lit::Str(lit)) => Err(syn::Error::new(lit.span(), "`name` can't be empty")),
        _ => Err(syn::Error::new_spanned(
            &value,
            "`name` takes a string, as in `name = \"fetch_user\"`",
        )),
    }
}

/// An identifier to bind (`context = attempt`).
fn parse_binding(value: TokenStream, _: &str) -> syn::Result<Ident> {
    let ident = Ident::parse_any.parse2(value.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &value,
            "`context` takes the name to bind the attempt to, as in `context = attempt`",
        )
    })?;
    Ok(ident)
}

/// `[a, b]`, or a single name.
fn parse_idents(value: TokenStream, _: &str) -> syn::Result<Vec<Ident>> {
    struct List(Vec<Ident>);
    impl Parse for List {
        fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
            if input.peek(syn::token::Bracket) {
                let content;
                syn::bracketed!(content in input);
                let names =
                    Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
                Ok(List(names.into_iter().collect()))
            } else {
                Ok(List(vec![Ident::parse_any(input)?]))
            }
        }
    }
    let List(names) = syn::parse2::<List>(value.clone()).map_err(|_| {
        syn::Error::new_spanned(
            &value,
            "`clone` takes a list of argument names, as in `clone = [request, body]`",
        )
    })?;
    if names.is_empty() {
        return Err(syn::Error::new_spanned(&value, "`clone` lists no argument"));
    }
    Ok(names)
}

fn parse_crate(value: TokenStream, _: &str) -> syn::Result<Path> {
    match parse_lit(value.clone()) {
        Ok(Lit::Str(lit)) => lit.parse::<Path>().map_err(|_| {
            syn::Error::new(
                lit.span(),
                "`crate` takes a path in a string, as in `crate = \"::retry_runtime\"`",
            )
        }),
        _ => Err(syn::Error::new_spanned(
            &value,
            "`crate` takes a path in a string, as in `crate = \"::my_crate::retry\"`",
        )),
    }
}

fn parse_bool(value: TokenStream, _: &str) -> syn::Result<bool> {
    syn::parse2::<LitBool>(value.clone())
        .map(|lit| lit.value)
        .map_err(|_| syn::Error::new_spanned(&value, "`doc` takes `true` or `false`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(tokens: TokenStream) -> Args {
        let mut errors = Errors::default();
        let args = parse(tokens, &mut errors);
        if let Err(e) = errors.into_result() {
            panic!("unexpected error: {e}");
        }
        args
    }

    fn parse_err(tokens: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let _ = parse(tokens, &mut errors);
        errors
            .into_result()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn reads_every_kind_of_value() {
        let args = parse_ok(quote! {
            max_attempts = 5, base = "100ms", factor = 3, max_delay = "2s", backoff = "linear",
            jitter = "none", on = [std::io::Error, MyError], when = |e, | e.is_x(), unless = Fatal,
            until = Self::ready, retry_after = hint, deadline = "5s", attempt_timeout = "1s",
            policy = API, name = "n", context = attempt, clone = [a, b], observer = OBS,
            sleeper = SLEEP, crate = "::x", doc = false,
        });
        assert_eq!(args.max_attempts.unwrap().value, 5);
        assert_eq!(args.base.unwrap().value, 100_000_000);
        assert_eq!(args.factor.unwrap().value, 3.0);
        assert_eq!(args.on.unwrap().value.len(), 2);
        assert_eq!(args.clone.unwrap().value.len(), 2);
        assert!(!args.doc.unwrap().value);
        assert!(args.krate.is_some() && args.when.is_some() && args.until.is_some());
    }

    #[test]
    fn closure_parameter_commas_stay_inside_the_pair() {
        let args = parse_ok(quote!(when = |a, b| true, max_attempts = 2));
        assert!(args.when.is_some());
        assert_eq!(args.max_attempts.unwrap().value, 2);
    }

    #[test]
    fn generic_arguments_keep_their_commas() {
        let args =
            parse_ok(quote!(on = Either<u8, u16>, when = is::<(), 3>, until = |v| *v < 5, max_attempts = 2));
        assert_eq!(args.on.unwrap().value.len(), 1);
        assert!(args.when.is_some() && args.until.is_some());
        assert_eq!(args.max_attempts.unwrap().value, 2);
        let args = parse_ok(quote!(when = |e| -> bool { e.code < 500 }, max_attempts = 3));
        assert_eq!(args.max_attempts.unwrap().value, 3);
    }

    #[test]
    fn reports_independent_mistakes_together() {
        let errors = parse_err(quote!(max_retries = 3, jitter = "fulll", base = 100));
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("`max_retries = 3` is `max_attempts = 4`"));
        assert!(errors[1].contains("did you mean \"full\"?"));
        assert!(errors[2].contains("did you mean `base = \"100ms\"`?"));
    }

    #[test]
    fn every_key_rejects_a_duplicate() {
        for key in KEYS {
            let value: TokenStream = example(key).parse().unwrap();
            let k = Ident::new(key, Span::call_site());
            let errors = parse_err(quote!(#k = #value, #k = #value));
            assert_eq!(errors.len(), 1, "{key}: {errors:?}");
            assert!(errors[0].contains("is given twice"), "{key}: {errors:?}");
        }
    }
}
