//! Child processes that get the default actions of SIGINT and SIGTERM,
//! whatever the test process inherited: a non-interactive shell starts a
//! background job (`cargo test &` in a script) with SIGINT ignored, and an
//! ignored disposition is inherited across `exec`, so a test that ends a
//! child with SIGINT would see it shrug the signal off.

use std::os::unix::process::CommandExt;
use std::process::Command;

extern "C" {
    // The C library's `signal(2)` (std links it). Declared here: rustix
    // keeps signal actions to its unstable `runtime` API.
    fn signal(signum: i32, handler: usize) -> usize;
}

/// `SIG_DFL`.
const DEFAULT_ACTION: usize = 0;

/// Makes `cmd`'s child start with SIGINT and SIGTERM at their default
/// actions.
pub fn with_default_signal_actions(cmd: &mut Command) -> &mut Command {
    // SAFETY: the closure runs in the forked child before exec; it only
    // calls `signal`, which is async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [rustix::process::Signal::INT, rustix::process::Signal::TERM] {
                signal(sig.as_raw(), DEFAULT_ACTION);
            }
            Ok(())
        })
    }
}
