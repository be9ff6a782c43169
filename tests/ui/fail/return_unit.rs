// A function that returns nothing.
use retry_runtime::retry;

#[retry]
fn fetch() {
    println!("hi");
}

fn main() {
    let _ = fetch();
}
