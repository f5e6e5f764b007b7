//! SID parsing: every prefix, Display and serde round trips.
//! The check lives in `checks/mod.rs`, shared with the stable corpus test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_sid(data));
