//! RFC 3339 and RFC 2822 timestamps: round trips keep the instant and the offset.
//! The check lives in `checks/mod.rs`, shared with the stable corpus test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_timestamp(data));
