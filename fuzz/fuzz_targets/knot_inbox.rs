#![no_main]
// See tame_fuzz::knot_inbox for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tame_fuzz::knot_inbox(data));
