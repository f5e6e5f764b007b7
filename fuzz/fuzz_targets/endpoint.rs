//! Base URLs, region/edge hosts and paging links.
//! The check lives in `checks/mod.rs`, shared with the stable corpus test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_endpoint(data));
