//! The error-body parser (`Error::from_error_response`) on any status, headers and body.
//! The check lives in `checks/mod.rs`, shared with the stable corpus test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_error_body(data));
