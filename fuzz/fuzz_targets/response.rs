//! Every operation's response parser on any status, headers and body.
//! The check lives in `checks/mod.rs`, shared with the stable corpus test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_response(data));
