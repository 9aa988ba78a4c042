#![no_main]
//! `service_request` target: see fuzz/README.md and fuzz/harness/service.rs.

#[path = "../harness/mod.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::service::check_service_request(data));
