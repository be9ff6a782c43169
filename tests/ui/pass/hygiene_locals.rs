// Hygiene: the body's own names that look like the expansion's locals don't clash with them,
// and the expansion's locals are invisible to the body.
#![deny(warnings)]

use retry_runtime::{retry, testing};

#[retry(max_attempts = 3, base = "1ms")]
fn shadowing(__retry_policy: u32) -> Result<u32, String> {
    let __retry_engine = 10;
    let __retry_result: Result<u32, String> = Ok(__retry_engine + __retry_policy);
    let __retry_next = 1;
    let __retry_delay = 2;
    let __retry_error = 3;
    let __retry_value = 4;
    let __retry_policy_holder = 5;
    let __retry_context = 6;
    let _ = (
        __retry_next,
        __retry_delay,
        __retry_error,
        __retry_value,
        __retry_policy_holder,
        __retry_context,
    );
    __retry_result
}

#[retry(max_attempts = 3, base = "1ms", context = ctx)]
async fn async_shadowing(__retry_context: &str) -> Option<String> {
    let __retry_engine = "engine";
    let __retry_output = "output";
    Some(format!(
        "{__retry_context}{__retry_engine}{__retry_output}{}",
        ctx.number()
    ))
}

// An argument named like the expansion's locals works with `clone` and `policy` too.
#[retry(clone = [__retry_result], policy = retry_runtime::Policy::DEFAULT.max_attempts(__retry_engine))]
fn args_named_like_locals(__retry_result: String, __retry_engine: u32) -> Result<String, String> {
    Ok(__retry_result + &__retry_engine.to_string())
}

fn main() {
    let _sleeps = testing::instant_sleep();
    assert_eq!(shadowing(1), Ok(11));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(
        runtime.block_on(async_shadowing("a")).as_deref(),
        Some("aengineoutput1")
    );
    assert_eq!(args_named_like_locals("n".into(), 2).as_deref(), Ok("n2"));
}
