//! The service crate's public API against its own snapshots (tests/public-api*.txt of this
//! crate), with the engine's check (one file for both crates).

#[path = "../../../tests/public_api.rs"]
mod check;
