//! Integration tests for `retry-runtime` and `#[retry]`; everything lives under `tests/`.
