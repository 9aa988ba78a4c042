#![no_main]
//! `tst_info` target: see fuzz/README.md and fuzz/harness/mod.rs (check_tst_info).

#[path = "../harness/mod.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::check_tst_info(data));
