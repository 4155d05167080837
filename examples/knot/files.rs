//! Opening a file to serve: checked on the open handle, not by its name
//! again.
//!
//! [`http::locate`](tame_suite::http::locate) has found a regular file by
//! its name, but the name can be switched to something else before knot
//! opens it (by anyone who may write in the root): a named pipe, whose
//! blocking `open` waits for a writer that may never come, and stalls the
//! loop for good (signals included, as they are read by the loop). So the
//! file is opened without blocking and checked on its handle (`fstat`);
//! anything but a regular file is missing.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rustix::fs::OFlags;

/// `path` opened for reading, if it is a regular file now, and its length
/// then. A named pipe, a device or a directory is `NotFound`.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    // `O_NONBLOCK`: opening a pipe does not wait for a writer (reading a
    // regular file does not block either way). `O_NOCTTY`: a terminal
    // switched in is not made the process's.
    let flags = (OFlags::NONBLOCK | OFlags::NOCTTY).bits();
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags as i32)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not a regular file",
        ));
    }
    Ok((file, meta.len()))
}

/// The most read of a file whose metadata gives no length: `/proc`'s
/// files are far smaller; an empty log being written is cut there.
const NO_LENGTH_MAX: u64 = 1 << 20;

/// The contents of the regular file at `path`, up to the length it had
/// when it was opened: one still growing (a log being written) is cut
/// there, not read for as long as its writer goes on. (A file whose
/// metadata gives no length, `/proc`'s or an empty one, is read to its
/// end, up to [`NO_LENGTH_MAX`].)
///
/// # Errors
///
/// `NotFound` for anything but a regular file, `OutOfMemory` if its
/// length cannot be allocated, and what opening or reading it says.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    read_opened(open_regular(path)?)
}

/// The contents of a file [`open_regular`] gave, as [`read_regular`] reads
/// them.
pub fn read_opened((file, len): (File, u64)) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if len == 0 {
        file.take(NO_LENGTH_MAX).read_to_end(&mut body)?;
        return Ok(body);
    }
    let len_usize = usize::try_from(len).map_err(|_| io::ErrorKind::OutOfMemory)?;
    body.try_reserve_exact(len_usize)
        .map_err(|_| io::ErrorKind::OutOfMemory)?;
    file.take(len).read_to_end(&mut body)?;
    Ok(body)
}
