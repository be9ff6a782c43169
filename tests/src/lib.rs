//! Integration tests for `retry-runtime` and `#[retry]`; everything lives under `tests/`.
//!
//! The library part is the support the end-to-end tests share: servers on loopback that fail
//! for real.

pub mod fault_server;
pub mod tcp_service;
pub mod trace;
