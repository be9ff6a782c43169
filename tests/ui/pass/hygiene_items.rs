// The items the expansion declares (the site's static, the policy's const) are scoped inside
// the generated block: the user's own items of the same names stay visible to the body.
#![deny(warnings)]
use retry_runtime::retry;

static __RETRY_SITE: &str = "mine";
const __RETRY_POLICY: u32 = 7;

#[retry(max_attempts = 2)]
fn site() -> Result<&'static str, String> {
    Ok(__RETRY_SITE)
}

#[retry]
fn policy() -> Result<u32, String> {
    let __retry_site = 1;
    Ok(__RETRY_POLICY + __retry_site)
}

fn main() {
    assert_eq!(site().unwrap(), "mine");
    assert_eq!(policy().unwrap(), 8);
}
