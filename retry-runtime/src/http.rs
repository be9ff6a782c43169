//! placeholder until the helper lands it
