#![no_main]
// See tame_fuzz::http_split for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tame_fuzz::http_split(data));
