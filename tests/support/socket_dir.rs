//! Where tests put Unix socket files: a socket's path must fit in the
//! 108 bytes of `sun_path`, which a long `TMPDIR` (a CI runner's
//! workspace, a build sandbox) leaves no room for.
#![allow(dead_code)]

use std::path::PathBuf;

/// `std::env::temp_dir()` if a socket name of 40 bytes fits under it, else
/// `/tmp`.
pub fn short_temp_dir() -> PathBuf {
    let dir = std::env::temp_dir();
    if dir.as_os_str().len() + 1 + 40 < 108 {
        dir
    } else {
        PathBuf::from("/tmp")
    }
}
