//! The workspace's root package: it owns `examples/` and `tests/` and holds
//! what they share. Not published; users depend on the `tame` crate alone.
