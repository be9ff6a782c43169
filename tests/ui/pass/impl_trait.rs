// `impl Trait` in argument position, and in the return type's success value.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::fmt::Display;
use std::io;

#[retry(max_attempts = 2, base = "1ms")]
fn total(items: impl IntoIterator<Item = u32> + Clone, label: impl AsRef<str>) -> io::Result<String> {
    let sum: u32 = items.clone().into_iter().sum();
    Ok(format!("{}={sum}", label.as_ref()))
}

#[retry(max_attempts = 2, base = "1ms")]
fn shown(value: &impl Display) -> Result<impl Display, io::Error> {
    Ok(value.to_string())
}

#[retry(max_attempts = 2, base = "1ms")]
async fn awaited(make: impl Fn() -> u32) -> Result<u32, String> {
    Ok(make())
}

fn main() {
    let _sleeps = testing::instant_sleep();
    assert_eq!(total(vec![1, 2, 3], "sum").unwrap(), "sum=6");
    assert_eq!(shown(&5).unwrap().to_string(), "5");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(awaited(|| 7)), Ok(7));
}
