#![no_main]
//! `xref` target: see fuzz/README.md and fuzz/harness/mod.rs (check_xref).

#[path = "../harness/mod.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::check_xref(data));
