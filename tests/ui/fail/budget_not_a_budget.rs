use retry_runtime::retry;

static BUDGET: u32 = 10;

#[retry(budget = BUDGET)]
fn fetch() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
