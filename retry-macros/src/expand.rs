//! Code generation: the function's body becomes its retry loop.
//!
//! The signature is never rewritten. Each attempt runs the body in a fresh closure (sync) or a
//! fresh non-`move` async block (async), so `return` and `?` end the attempt, not the call. A
//! plain sync site hands a `move` closure (one attempt and its classification) to the runtime's
//! `retry_blocking` (its `retry_plain!` without a site observer or sleeper, which in a debug
//! build makes the closure a trait object at the site), which runs the first attempt inline and
//! the rest out of line; async sites, and sync ones with a budget,
//! breaker or context, keep the loop in the function (or its future), where the body borrows
//! the arguments, `&mut self` included. Generated locals are
//! `__retry_`-prefixed with mixed-site hygiene, and the runtime is named by an absolute path.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Ident, LitStr, Path, ReturnType, Type};

use crate::args::Args;
use crate::item::{Function, Shape};

/// Tokens that templates interpolate many times, kept as separate trees: interpolating a
/// `TokenStream` makes `quote!` flush what it has built so far into a stream of the compiler's
/// (a round trip through the proc-macro bridge each time), pushing trees does not.
struct Trees(Vec<proc_macro2::TokenTree>);

impl ToTokens for Trees {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.iter().cloned());
    }
}

/// Everything the templates need, computed once.
struct Site<'a> {
    args: &'a Args,
    /// The path to the runtime: `::retry_runtime`, or the `crate` key's.
    krate: Trees,
    output: Type,
    /// `output`'s span, computed once: syn finds it by printing the type.
    output_span: Span,
    is_async: bool,
    /// How the generated code reaches the policy, a `&Policy`: the `static` that `policy_setup`
    /// declares, or the `policy` key's reference.
    policy: TokenStream,
}

pub(crate) fn expand(args: &Args, function: &Function, shape: Shape) -> TokenStream {
    let krate = match &args.krate {
        Some(path) => path.value.to_token_stream(),
        None => quote!(::retry_runtime),
    };
    let krate = Trees(krate.into_iter().collect());
    let (output, is_async, attempt_tokens) = match &shape {
        Shape::Sync | Shape::Async => {
            let output = match &function.sig.output {
                ReturnType::Type(_, ty) => erase_impl_trait((**ty).clone()),
                ReturnType::Default => syn::parse_quote!(()),
            };
            let body = function.body.stream();
            (output, matches!(shape, Shape::Async), body)
        }
        Shape::AsyncTrait { output, inner } => ((**output).clone(), true, inner.clone()),
    };
    let policy = match &args.policy {
        None => quote_spanned!(Span::mixed_site()=> &__RETRY_POLICY_OF_THIS_FN),
        Some(_) => quote_spanned!(Span::mixed_site()=> __retry_policy),
    };
    let output_span = output.span();
    let site = Site {
        args,
        krate,
        output_span,
        output,
        is_async,
        policy,
    };
    let body = site.body(function, attempt_tokens);
    let body = match shape {
        Shape::AsyncTrait { .. } => quote!(Box::pin(async move { #body })),
        _ => body,
    };

    let Function { attrs, vis, sig, .. } = function;
    let has_docs = attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let doc = doc_attrs(args, has_docs);
    // The body's braces keep the user's span: rustc treats a fn whose body comes entirely from
    // a macro as generated and skips lints such as `dead_code` on it.
    let mut block = Group::new(Delimiter::Brace, body);
    block.set_span(function.body.span());
    quote! {
        #(#attrs)*
        #doc
        #vis #sig #block
    }
}

/// `tokens` with every span set to `span`, so that an error about the code they form (an unmet
/// trait bound, a mismatched type) points at the user's token rather than at the attribute.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// A generated local: `__retry_`-prefixed and mixed-site, so user code can't see or shadow it.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The policy line for rustdoc, after a blank line when the function has docs of its own.
fn doc_attrs(args: &Args, has_docs: bool) -> TokenStream {
    if args.doc.as_ref().is_some_and(|d| !d.value) {
        return TokenStream::new();
    }
    let line = crate::doc_line::summary(args);
    let separator = has_docs.then(|| quote!(#[doc = ""]));
    quote! {
        #separator
        #[doc = #line]
    }
}

impl Site<'_> {
    fn body(&self, function: &Function, attempt_body: TokenStream) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let name = args.name.as_ref().map_or_else(
            || LitStr::new(&function.sig.ident.to_string(), function.sig.ident.span()),
            |n| n.value.clone(),
        );
        let line = quote_spanned!(function.sig.ident.span()=> ::core::line!());
        let policy_setup = self.policy_setup();
        let policy = &self.policy;
        // A context reads the clock itself; the engine takes the call's start from it.
        let track_time = args.attempt_timeout.is_some();
        let context_setup = args.context.as_ref().map(|_| {
            quote_spanned! {Span::mixed_site()=>
                let mut __retry_context = __retry_engine.context(#policy);
            }
        });
        // The site's counters: a `static` in the function's block, so the expansion hands the
        // runtime `&'static Site` (an item of its own, such as a fn returning it, costs rustc
        // more at every site). Items ignore mixed-site hygiene, so the name is one the user's
        // body won't plausibly write: it would shadow the user's own item of that name.
        let site = quote_spanned! {Span::mixed_site()=>
            static __RETRY_SITE_OF_THIS_FN: #krate::__private::Site = #krate::__private::Site::new(
                #name, ::core::module_path!(), ::core::file!(), #line,
            );
        };
        if self.runs_plain_blocking() {
            let attempt = self.blocking_attempt(attempt_body);
            let policy = &self.policy;
            // Without an observer or a sleeper of its own, the shorter call: every argument
            // spelled out is one more for rustc to check at every site.
            // A `static` policy can be named by the nested fn the runtime's macros write for an
            // optimised build's loop after a failure, where it is then a constant. That loop
            // pays only where a failure can take the lean path: never with an observer of the
            // site's own or a deadline, whose failures all go the long way (to report, to read
            // the clock). A site that retries at once (a zero base: every delay is zero) gets
            // it by default (`@own`): there a retry costs what the loop costs, with no sleep to
            // hide it. Other sites share one loop, compiled once, unless the runtime's
            // `inline-loops` feature gives every `@static` one a loop of its own.
            let own_loop_pays = args.policy.is_none() && args.observer.is_none() && args.deadline.is_none();
            let at_once = own_loop_pays && args.base.as_ref().is_some_and(|base| base.value == 0);
            let own = at_once.then(|| quote!(@own));
            let call = if args.observer.is_none() && args.sleeper.is_none() {
                let mark = own.or_else(|| own_loop_pays.then(|| quote!(@static)));
                quote_spanned! {Span::mixed_site()=>
                    #krate::__private::retry_plain!(#mark #policy, &__RETRY_SITE_OF_THIS_FN, #attempt)
                }
            } else {
                let observer = self.observer();
                let sleeper = self.sleeper();
                let run = if own_loop_pays {
                    quote!(#krate::__private::retry_sync!)
                } else {
                    quote!(#krate::__private::retry_blocking)
                };
                quote_spanned! {Span::mixed_site()=>
                    #run(#own #policy, &__RETRY_SITE_OF_THIS_FN, #observer, #sleeper, #attempt)
                }
            };
            return quote_spanned! {Span::mixed_site()=>
                #site
                #policy_setup
                #call
            };
        }
        let attempt_loop = self.attempt_loop(attempt_body);
        let admission = self.admission();
        quote_spanned! {Span::mixed_site()=>
            #site
            #policy_setup
            let mut __retry_engine = #krate::__private::Engine::new(#policy, #track_time);
            #context_setup
            #admission
            #attempt_loop
        }
    }

    /// The policy: a `static` when no `policy` key is given, else
    /// `let __retry_policy: &Policy = …;`.
    fn policy_setup(&self) -> TokenStream {
        let krate = &self.krate;
        let overrides = self.policy_overrides();
        let Some(given) = &self.args.policy else {
            let base = nanos(self.args.base.as_ref().map_or(100_000_000, |g| g.value));
            // A `static`, used as `&__RETRY_POLICY_OF_THIS_FN`: a constant address, so a
            // retrying future keeps no room for it, and the runtime's code inlined at the site
            // reads the policy from an initialised, immutable global, which LLVM folds as a
            // constant. So one copy of that code per outcome type serves every site. The forms
            // it replaces cost rustc more: a nested fn returning `&const { … }`, a type of its
            // own that made every generic function of the runtime a copy per site (+910 M
            // instructions for an optimised build of 150 async sites, +154 M for a debug build
            // of the 300-fn crate), or a `&const { … }` local, which an async fn keeps in its
            // future, where LLVM can't see it as a constant.
            return quote_spanned! {Span::mixed_site()=>
                static __RETRY_POLICY_OF_THIS_FN: #krate::Policy = #krate::Policy::exponential(#base) #overrides;
            };
        };
        let expr = &given.value;
        // Errors about the expression's type point at the expression.
        let as_policy = quote_spanned!(expr.span()=> #krate::__private::AsPolicy::as_policy(&#expr));
        let copied = quote_spanned!(expr.span()=> #krate::__private::policy_of(&(#expr)));
        if overrides.is_empty() && is_constant_path(expr) {
            // `&CONST` is promoted to a `'static` reference: nothing is copied into the frame.
            quote_spanned!(Span::mixed_site()=> let __retry_policy: &#krate::Policy = #as_policy;)
        } else {
            // A copy, so an expression such as `self.policy` leaves no borrow of `self` behind
            // for the body's `&mut self` calls to trip over.
            quote_spanned! {Span::mixed_site()=>
                let __retry_policy_holder: #krate::Policy = #copied #overrides;
                let __retry_policy: &#krate::Policy = &__retry_policy_holder;
            }
        }
    }

    /// The builder calls for the keys given inline; with `policy`, they override its fields.
    fn policy_overrides(&self) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let mut calls = TokenStream::new();
        if let (Some(base), Some(_)) = (&args.base, &args.policy) {
            let base = nanos(base.value);
            calls.extend(quote!(.base(#base)));
        }
        if let Some(b) = &args.backoff {
            let variant = Ident::new(&capitalise(&b.value), Span::call_site());
            calls.extend(quote!(.backoff(#krate::Backoff::#variant)));
        }
        if let Some(n) = &args.max_attempts {
            let n = n.value;
            calls.extend(quote!(.max_attempts(#n)));
        }
        if let Some(f) = &args.factor {
            let f = f.value;
            calls.extend(quote!(.factor(#f)));
        }
        if let Some(d) = &args.max_delay {
            let d = nanos(d.value);
            calls.extend(quote!(.max_delay(#d)));
        }
        if let Some(j) = &args.jitter {
            let variant = Ident::new(&capitalise(&j.value), Span::call_site());
            calls.extend(quote!(.jitter(#krate::Jitter::#variant)));
        }
        if let Some(d) = &args.deadline {
            let d = nanos(d.value);
            calls.extend(quote!(.deadline(#d)));
        }
        calls
    }

    /// Whether this site runs [`retry_blocking`]: a sync fn with no budget, breaker or context,
    /// which need the loop's state between attempts.
    fn runs_plain_blocking(&self) -> bool {
        let args = self.args;
        !self.is_async && args.budget.is_none() && args.breaker.is_none() && args.context.is_none()
    }

    /// `let x = x.clone();` for each name of the `clone` key.
    fn clones(&self) -> TokenStream {
        self.args
            .clone
            .iter()
            .flat_map(|g| &g.value)
            .map(|name| quote!(let #name = ::core::clone::Clone::clone(&#name);))
            .collect()
    }

    /// For [`retry_blocking`]: a closure that runs one attempt and classifies its outcome.
    fn blocking_attempt(&self, attempt_body: TokenStream) -> TokenStream {
        let clones = self.clones();
        let run = self.run_attempt(attempt_body);
        let typed = self.result_annotation();
        let verdict = self.verdict();
        // `move`: the closure owns the arguments (it outlives nothing that could still use
        // them), so a first-attempt success stores nothing to hand them over by reference.
        quote_spanned! {Span::mixed_site()=>
            move || {
                #clones
                let __retry_result #typed = #run;
                let __retry_classified = #verdict;
                (__retry_result, __retry_classified)
            }
        }
    }

    /// The loop of every other site, inline in the fn (or its future): an attempt, the verdict,
    /// the engine's decision, the sleep.
    fn attempt_loop(&self, attempt_body: TokenStream) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let clones = self.clones();
        let context_bind = args.context.as_ref().map(|ctx| {
            let ctx = &ctx.value;
            quote_spanned! {Span::mixed_site()=>
                __retry_engine.begin(&mut __retry_context);
                #[allow(unused_variables)]
                let #ctx: &#krate::Attempt = &__retry_context;
            }
        });
        let run = self.run_attempt(attempt_body);
        let typed = self.result_annotation();
        let verdict = self.verdict();
        let decide = self.decide();
        let sleep = self.sleep();
        let attempt_and_decide = quote_spanned! {Span::mixed_site()=>
            let __retry_result #typed = #run;
            let __retry_classified = #verdict;
            match #decide {
                ::core::ops::ControlFlow::Break(__retry_result) => return __retry_result,
                ::core::ops::ControlFlow::Continue(__retry_delay) => { #sleep }
            }
        };
        let attempt_and_sleep = if self.is_async {
            // The attempt and the decision in a block that yields only the sleep's future:
            // nothing else (the outcome, which was borrowed, the decision, the delay) keeps room
            // in the retrying future while it sleeps.
            quote_spanned! {Span::mixed_site()=>
                let __retry_sleep = { #attempt_and_decide };
                __retry_sleep.await;
            }
        } else {
            attempt_and_decide
        };
        quote_spanned! {Span::mixed_site()=>
            loop {
                #clones
                #context_bind
                #attempt_and_sleep
            }
        }
    }

    /// `: T` for the attempt's `let` when nothing else types the outcome: with `attempt_timeout`,
    /// whose `TimedOut::timed_out()` arm needs it. Otherwise the closure's declared return type
    /// or the async block's pin does, and an annotation would be one more thing to check.
    fn result_annotation(&self) -> Option<TokenStream> {
        let output = &self.output;
        self.args.attempt_timeout.as_ref().map(|_| quote!(: #output))
    }

    /// One attempt: the body in a closure (sync) or async block (async), with its output type
    /// declared (sync) or pinned by an unreachable early return (async), so that `?` converts
    /// into the declared error type and the tail coerces to it.
    fn run_attempt(&self, body: TokenStream) -> TokenStream {
        let krate = &self.krate;
        let output = &self.output;
        if !self.is_async {
            return quote_spanned!(Span::mixed_site()=> (|| -> #output { #body })());
        }
        // An async block's output can't be declared, and one deduced from a `Future<Output = T>`
        // bound is no coercion site (`Err(Box::new(e))` would stay `Box<E>`): an unreachable
        // `return` of the declared type pins it. A call rather than a typed local, which would
        // cost rustc a drop-elaborated local per site.
        let pin = quote_spanned! {Span::mixed_site()=>
            if false {
                return #krate::__private::unreachable_output::<#output>();
            }
        };
        let block = quote_spanned!(Span::mixed_site()=> async { #pin #body });
        match &self.args.attempt_timeout {
            None => quote!(#block.await),
            Some(given) => {
                let policy = &self.policy;
                let limit = nanos(given.value);
                let limit =
                    quote_spanned!(Span::mixed_site()=> __retry_engine.attempt_limit(#policy, #limit));
                // Without a `sleeper` key, the runtime's macro names the default sleeper's timer.
                let race = match &self.args.sleeper {
                    None => {
                        quote_spanned!(Span::mixed_site()=> #krate::__private::timeout_default!(#limit, #block))
                    }
                    Some(_) => {
                        let sleeper = self.sleeper();
                        quote_spanned!(Span::mixed_site()=> #krate::__private::timeout(#sleeper, #limit, #block))
                    }
                };
                // A missing `From<Elapsed>` is reported on the key that needs it.
                let timed_out = respan(quote!(#krate::__private::TimedOut::timed_out()), given.key.span());
                quote_spanned! {Span::mixed_site()=>
                    match #race.await {
                        ::core::option::Option::Some(__retry_output) => __retry_output,
                        ::core::option::Option::None => #timed_out,
                    }
                }
            }
        }
    }

    /// The engine's decision on `__retry_classified`, with the site's budget, breaker and context.
    fn decide(&self) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let policy = &self.policy;
        if args.observer.is_none()
            && args.budget.is_none()
            && args.breaker.is_none()
            && args.context.is_none()
        {
            // Most sites: the shorter call, without the hooks and the context that are all `None`.
            return quote_spanned! {Span::mixed_site()=>
                __retry_engine.decide_plain(
                    #policy,
                    &__RETRY_SITE_OF_THIS_FN,
                    __retry_result,
                    __retry_classified,
                )
            };
        }
        let observer = self.observer();
        let none = quote!(::core::option::Option::None);
        let budget = match &args.budget {
            Some(path) => {
                let path = &path.value;
                respan(quote!(::core::option::Option::Some(&#path)), path.span())
            }
            None => none.clone(),
        };
        let permit = match &args.breaker {
            Some(_) => quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some(&mut __retry_permit)),
            None => none.clone(),
        };
        let context = match &args.context {
            Some(_) => quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some(&__retry_context)),
            None => none,
        };
        quote_spanned! {Span::mixed_site()=>
            __retry_engine.decide(
                #policy,
                &__RETRY_SITE_OF_THIS_FN,
                #krate::__private::Hooks { observer: #observer, budget: #budget, permit: #permit },
                #context,
                __retry_result,
                __retry_classified,
            )
        }
    }

    /// Classifies `__retry_result`, as "How the keys combine" says: a `Verdict`, and for an error
    /// the function that shows it to observers.
    fn verdict(&self) -> TokenStream {
        let krate = &self.krate;
        let output = &self.output;
        let args = self.args;
        // A return type that is neither `Result` nor `Option` is reported on the return type.
        // Hygienic, but located at the return type, which the error is about.
        let result = Ident::new("__retry_result", Span::mixed_site().located_at(self.output_span));
        let split_fn = respan(quote!(#krate::__private::Outcome::split), self.output_span);
        let split = quote_spanned!(self.output_span=> #split_fn(&#result));
        let default_errors =
            args.when.is_none() && args.on.is_none() && args.unless.is_none() && args.retry_after.is_none();
        if default_errors && args.until.is_none() {
            // Most sites: the runtime's `macro_rules!` writes the `match`, which costs rustc
            // less than receiving its tokens from this (unoptimised) macro.
            return quote_spanned!(Span::mixed_site()=> #krate::__private::classify!(#split, #output));
        }
        let verdict = quote!(#krate::__private::Verdict);
        // The success arm binds the value only for `until`, which looks at it.
        let on_value = match &args.until {
            Some(until) => {
                let until = &until.value;
                quote_spanned! {Span::mixed_site()=>
                    ::core::result::Result::Ok(__retry_value) => (
                        if #krate::__private::until(__retry_value, #until) { #verdict::SUCCESS } else { #verdict::REJECTED },
                        ::core::option::Option::None,
                    ),
                }
            }
            None => quote!(::core::result::Result::Ok(_) => #krate::__private::success(),),
        };
        let on_error = if default_errors {
            // One lookup gives the classification, the hint and the view.
            quote_spanned! {Span::mixed_site()=>
                #krate::__private::Wrap(__retry_error).verdict().__retry_verdict::<#output>()
            }
        } else {
            let retryable = self.classify();
            let hint = self.hint();
            quote_spanned! {Span::mixed_site()=>
                (
                    #verdict::error(#retryable, #hint),
                    ::core::option::Option::Some(#krate::__private::Wrap(__retry_error).view().__retry_view::<#output>()),
                )
            }
        };
        quote_spanned! {Span::mixed_site()=>
            match #split {
                #on_value
                ::core::result::Result::Err(::core::option::Option::Some(__retry_error)) => #on_error,
                ::core::result::Result::Err(::core::option::Option::None) => #krate::__private::missing(),
            }
        }
    }

    /// The site's own observer, as `Option<&dyn Observer>`.
    fn observer(&self) -> TokenStream {
        let krate = &self.krate;
        match &self.args.observer {
            Some(path) => {
                let path = &path.value;
                quote_spanned!(path.span()=> #krate::__private::observer(&#path))
            }
            None => quote!(::core::option::Option::None),
        }
    }

    /// For `breaker` sites: the permit for the first attempt, or a fail-fast return.
    fn admission(&self) -> Option<TokenStream> {
        let krate = &self.krate;
        let policy = &self.policy;
        let given = self.args.breaker.as_ref()?;
        let breaker = &given.value;
        let observer = self.observer();
        // A missing `From<CircuitOpen>` is reported on the key that needs it.
        let refused = respan(
            quote!(#krate::__private::Refused::circuit_open()),
            given.key.span(),
        );
        Some(quote_spanned! {Span::mixed_site()=>
            let mut __retry_permit = match #krate::__private::admit(&#breaker, #policy, &__RETRY_SITE_OF_THIS_FN, #observer) {
                ::core::option::Option::Some(__retry_permit) => __retry_permit,
                ::core::option::Option::None => return #refused,
            };
        })
    }

    /// Whether `__retry_error` may be retried, as "How the keys combine" says.
    fn classify(&self) -> TokenStream {
        let krate = &self.krate;
        let args = self.args;
        let chain = quote_spanned! {Span::mixed_site()=>
            {
                #[allow(unused_imports)]
                use #krate::__private::chain::*;
                (&&&#krate::__private::Wrap(__retry_error)).__retry_chain()
            }
        };
        let chain_local = local("__retry_chain");
        let holds = |types: &[Type]| {
            // An error type without a `source()` chain is reported on the type looked for.
            let tests = types
                .iter()
                .map(|ty| quote_spanned!(ty.span()=> #chain_local.holds::<#ty>()));
            quote_spanned!(Span::mixed_site()=> { let __retry_chain = #chain; false #(|| #tests)* })
        };
        let on = args.on.as_ref().map(|g| holds(&g.value));
        let when = args.when.as_ref().map(|g| {
            let when = &g.value;
            quote_spanned!(Span::mixed_site()=> #krate::__private::when(__retry_error, #when))
        });
        let base = match (on, when) {
            (None, None) => quote_spanned! {Span::mixed_site()=>
                #krate::__private::Wrap(__retry_error).transient().__retry_is_transient()
            },
            (Some(on), None) => on,
            (None, Some(when)) => when,
            (Some(on), Some(when)) => quote!((#on && #when)),
        };
        match &args.unless {
            Some(unless) => {
                let unless = holds(&unless.value);
                quote!((#base && !#unless))
            }
            None => base,
        }
    }

    /// The delay hint: the `retry_after` key, else `Transient::retry_after` when implemented.
    fn hint(&self) -> TokenStream {
        let krate = &self.krate;
        match &self.args.retry_after {
            Some(given) => {
                let expr = &given.value;
                quote_spanned!(Span::mixed_site()=> #krate::__private::retry_after(__retry_error, #expr))
            }
            None => quote_spanned! {Span::mixed_site()=>
                #krate::__private::Wrap(__retry_error).transient().__retry_hint()
            },
        }
    }

    fn sleeper(&self) -> TokenStream {
        let krate = &self.krate;
        match (&self.args.sleeper, self.is_async) {
            (Some(path), _) => {
                let path: &Path = &path.value;
                quote_spanned!(path.span()=> &#path)
            }
            (None, true) => quote!(&#krate::__private::DefaultAsyncSleeper),
            (None, false) => quote!(&#krate::__private::DefaultBlockingSleeper),
        }
    }

    fn sleep(&self) -> TokenStream {
        let krate = &self.krate;
        let delay = local("__retry_delay");
        if self.is_async && self.args.sleeper.is_none() {
            // The runtime's macro names the default sleeper's future outright.
            return quote_spanned!(Span::mixed_site()=> #krate::__private::sleep_default!(#delay));
        }
        let sleeper = self.sleeper();
        // A sleeper of the wrong kind is reported on the `sleeper` key's path.
        let span = self
            .args
            .sleeper
            .as_ref()
            .map_or_else(Span::mixed_site, |g| g.value.span());
        if self.is_async {
            quote_spanned!(span=> #krate::__private::sleep_async(#sleeper, #delay))
        } else {
            quote_spanned!(span=> #krate::__private::sleep_blocking(#sleeper, #delay);)
        }
    }
}

fn nanos(value: u64) -> TokenStream {
    quote!(::core::time::Duration::from_nanos(#value))
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A path that names a constant or a static by convention (`API_POLICY`, `Self::DEFAULT`):
/// borrowing it needs no copy. Anything else (`self.policy`, `config.retry()`) is copied.
fn is_constant_path(expr: &syn::Expr) -> bool {
    let syn::Expr::Path(path) = expr else { return false };
    path.qself.is_none()
        && path.path.segments.last().is_some_and(|segment| {
            let name = segment.ident.to_string();
            segment.arguments.is_none()
                && name.chars().any(|c| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
}

/// `impl Trait` can't be named inside the body; `_` lets inference fill it in.
fn erase_impl_trait(mut ty: Type) -> Type {
    struct Erase;
    impl VisitMut for Erase {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(_) = ty {
                *ty = syn::parse_quote!(_);
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    Erase.visit_type_mut(&mut ty);
    ty
}
