//! The translator's errors in an edition 2015 crate: each is its own
//! message at the user's code (they came out as "cannot find `core` in the
//! crate root", the path syn gives `compile_error!` meaning the crate's own
//! root in this edition).
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
