//! Checks of keys against each other and against the function's signature: the mistakes that
//! no single key's parser can see.

use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use crate::args::{Args, Errors};
use crate::item::{Function, Shape};
use crate::suggest;

/// The default first delay, 100ms, for comparing with `max_delay` when `base` is not given.
const DEFAULT_BASE_NANOS: u64 = 100_000_000;

pub(crate) fn check(args: &Args, function: &Function, shape: &Shape, errors: &mut Errors) {
    check_function(function, errors);
    check_return_type(args, function, shape, errors);
    check_delays(args, errors);
    check_async_only(args, shape, errors);
    check_bindings(args, function, errors);
}

fn check_function(function: &Function, errors: &mut Errors) {
    if let Some(constness) = &function.sig.constness {
        errors.at(
            constness.span,
            "`#[retry]` can't go on a `const fn`: retrying means sleeping, which a const fn can't do",
        );
    }
    if let Some(variadic) = &function.sig.variadic {
        errors.at(variadic.span(), "`#[retry]` does not support variadic functions");
    }
}

fn check_return_type(args: &Args, function: &Function, shape: &Shape, errors: &mut Errors) {
    let ty = match (shape, &function.sig.output) {
        (Shape::AsyncTrait { output, .. }, _) => (**output).clone(),
        (_, ReturnType::Type(_, ty)) => (**ty).clone(),
        (_, ReturnType::Default) => {
            errors.at(
                function.sig.ident.span(),
                format!(
                    "`#[retry]` needs a function that returns `Result<T, E>` or `Option<T>`; `{}` returns `()`",
                    function.sig.ident
                ),
            );
            return;
        }
    };
    if let Some(what) = not_an_outcome(&ty) {
        errors.push(syn::Error::new_spanned(
            &ty,
            format!(
                "`#[retry]` needs a function that returns `Result<T, E>` or `Option<T>`; this returns {what} `{}`",
                crate::tokens::readable(&ty)
            ),
        ));
        return;
    }
    if is_option(&ty) {
        for (key, present) in [
            ("on", args.on.as_ref().map(|g| &g.key)),
            ("when", args.when.as_ref().map(|g| &g.key)),
            ("unless", args.unless.as_ref().map(|g| &g.key)),
            ("retry_after", args.retry_after.as_ref().map(|g| &g.key)),
        ] {
            if let Some(ident) = present {
                errors.at(
                    ident.span(),
                    format!("`{key}` looks at the error, but this function returns `Option`, whose failure (`None`) has none; use `until` to judge values"),
                );
            }
        }
    }
}

/// A type that syntactically can't be a `Result` or `Option`; aliases and other paths are left
/// to the `Outcome` trait bound, whose message names the type.
fn not_an_outcome(ty: &Type) -> Option<&'static str> {
    const PRIMITIVES: &[&str] = &[
        "bool", "char", "str", "String", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64",
    ];
    match ty {
        Type::Reference(_) => Some("a reference"),
        Type::Tuple(t) if t.elems.is_empty() => Some("the unit type"),
        Type::Tuple(_) => Some("a tuple"),
        Type::Array(_) | Type::Slice(_) => Some("an array"),
        Type::Ptr(_) => Some("a pointer"),
        Type::ImplTrait(_) => Some("an opaque type"),
        Type::Never(_) => Some("the never type"),
        Type::FnPtr(_) => Some("a function pointer"),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            PRIMITIVES
                .contains(&last.ident.to_string().as_str())
                .then_some("the type")
        }
        Type::Paren(inner) => not_an_outcome(&inner.elem),
        _ => None,
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn check_delays(args: &Args, errors: &mut Errors) {
    if let Some(max_delay) = &args.max_delay {
        // Without `policy`, a missing base is the default; with it, the base is unknown here.
        let base = match (&args.base, &args.policy) {
            (Some(base), _) => Some(base.value),
            (None, None) => Some(DEFAULT_BASE_NANOS),
            (None, Some(_)) => None,
        };
        if let Some(base) = base.filter(|&base| max_delay.value < base) {
            let which = if args.base.is_some() {
                "`base`"
            } else {
                "the default `base`"
            };
            errors.at(
                max_delay.span,
                format!(
                    "`max_delay` ({}) is below {which} ({}): the cap must be at least the first delay",
                    crate::duration::display(max_delay.value),
                    crate::duration::display(base)
                ),
            );
        }
    }
    if let (Some(factor), Some(backoff)) = (&args.factor, &args.backoff) {
        if backoff.value != "exponential" {
            errors.at(
                factor.key.span(),
                format!(
                    "`factor` only applies to exponential backoff, and this one is \"{}\"",
                    backoff.value
                ),
            );
        }
    }
    for given in [&args.deadline, &args.attempt_timeout].into_iter().flatten() {
        if given.value == 0 {
            errors.at(given.span, format!("`{}` must be longer than zero", given.key));
        }
    }
}

fn check_async_only(args: &Args, shape: &Shape, errors: &mut Errors) {
    if let (Some(timeout), Shape::Sync) = (&args.attempt_timeout, shape) {
        errors.at(
            timeout.key.span(),
            "`attempt_timeout` needs an `async fn`: a blocking call can't be cancelled; use `deadline` to bound the whole call",
        );
    }
}

fn check_bindings(args: &Args, function: &Function, errors: &mut Errors) {
    let names = function.argument_names();
    let listed = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    if let Some(clone) = &args.clone {
        for name in &clone.value {
            if name == "self" {
                errors.at(
                    name.span(),
                    "`clone` takes argument names; `self` can't be cloned per attempt",
                );
            } else if !names.contains(name) {
                let hint = suggest::closest(&name.to_string(), listed.iter().map(String::as_str))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                errors.at(
                    name.span(),
                    format!("`{name}` is not an argument of this function{hint}"),
                );
            }
        }
    }
    if let Some(context) = &args.context {
        let name = &context.value;
        if name == "self" || name == "_" {
            errors.at(
                name.span(),
                "`context` needs a name to bind, such as `context = attempt`",
            );
        } else if names.contains(name) {
            errors.at(
                name.span(),
                format!(
                    "`context = {name}` would shadow the argument `{name}`; pick another name, such as `context = {}`",
                    if name == "attempt" { "ctx" } else { "attempt" }
                ),
            );
        }
    }
}
