#![no_main]
// See tame_fuzz::dns_wire for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tame_fuzz::dns_wire(data));
