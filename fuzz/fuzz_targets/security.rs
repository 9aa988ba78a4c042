#![no_main]
//! `security` target: see fuzz/README.md and fuzz/harness/mod.rs (`check_security`).

#[path = "../harness/mod.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::check_security(data));
