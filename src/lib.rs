//! The workspace's root package: it owns `examples/` and `tests/` and holds
//! what they share. Not published; users depend on the `tame` crate alone.

// The README's Rust examples are compiled as doctests of this package.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
