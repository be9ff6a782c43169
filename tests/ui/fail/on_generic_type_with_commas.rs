// A comma inside a type's generic arguments belongs to the type: the only error is the type
// that doesn't exist, spanned on it.
use retry_runtime::retry;

#[retry(on = Either<std::io::Error, NoSuchType>, max_attempts = 2)]
fn read() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = read();
}
