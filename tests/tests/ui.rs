//! Compile-time tests of `#[retry]` (trybuild): every function shape and key that must compile
//! (`ui/pass`), and every misuse that must be a compile error with a precise message
//! (`ui/fail`, one mistake per file, each with its expected `.stderr`).
//!
//! To regenerate the `.stderr` snapshots after a deliberate change to a message:
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p retry-tests --test ui
//! ```
//!
//! then review the diff. The toolchain is pinned by `rust-toolchain.toml` at the workspace root,
//! so the compiler's own messages in the snapshots match on every machine and in CI.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
