#![no_main]
//! `service_request` target: see fuzz/README.md and fuzz/harness/service.rs.

#[path = "../harness/service.rs"]
mod service_harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| service_harness::check_service_request(data));
