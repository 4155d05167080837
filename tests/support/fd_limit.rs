//! Tests that hold many descriptors at once raise the process's soft
//! open-files limit to what they need, rather than assume it: a shell's
//! or a CI runner's default (1024, or less) is far below a test of 4,000
//! connections. The example servers a test starts inherit the limit.
#![allow(dead_code)]

/// Raises the soft limit so that `n` more descriptors fit (with 1,024 to
/// spare for the harness and the rest of the test); panics, saying so,
/// if the hard limit does not allow it.
pub fn allow_fds(n: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let lim = getrlimit(Resource::Nofile);
    let want = n + 1024;
    let cur = lim.current.unwrap_or(u64::MAX);
    if cur >= want {
        return;
    }
    let max = lim.maximum.unwrap_or(u64::MAX);
    assert!(
        max >= want,
        "the hard open-files limit ({max}) is below the {want} this test needs \
         (raise it: `ulimit -Hn {want}` as root, or the container's nofile limit)"
    );
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(want),
            maximum: lim.maximum,
        },
    )
    .expect("setrlimit(RLIMIT_NOFILE) within the hard limit");
}
