//! Compile-time behaviour of the translator: what compiles (pass/) and the
//! error each misuse gets (fail/, with the expected messages in .stderr).
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
