//! Uses up the process's file descriptors for a test of what happens at
//! `EMFILE`. A test that uses it is alone in its binary, or takes turns
//! with the others there: every thread of the process runs out.

use std::fs::File;

use rustix::process::{Resource, Rlimit};

/// The fd table, full, until this is dropped (or [`free`](Self::free)d).
pub struct FullFdTable {
    hog: Vec<File>,
    limit: Rlimit,
}

impl FullFdTable {
    /// Lowers the soft limit to a little above the fds open now (quick and
    /// certain whatever limit the test runs under: above 10^6 fds a test
    /// filling the table passed without testing), then opens files until
    /// `EMFILE`.
    pub fn new() -> FullFdTable {
        let open_now = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
        let limit = rustix::process::getrlimit(Resource::Nofile);
        rustix::process::setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(open_now + 64),
                maximum: limit.maximum,
            },
        )
        .unwrap();
        let mut hog = Vec::new();
        loop {
            match File::open("/dev/null") {
                Ok(f) => hog.push(f),
                Err(e) if e.raw_os_error() == Some(24) => break, // EMFILE
                Err(e) => panic!("unexpected error filling the fd table: {e}"),
            }
            assert!(hog.len() <= 128, "no EMFILE at the lowered limit");
        }
        FullFdTable { hog, limit }
    }

    /// Closes `n` of the files, so that as many fds are free.
    #[allow(dead_code)]
    pub fn free(&mut self, n: usize) {
        self.hog.truncate(self.hog.len() - n);
    }
}

impl Drop for FullFdTable {
    fn drop(&mut self) {
        self.hog.clear();
        rustix::process::setrlimit(Resource::Nofile, self.limit).unwrap();
    }
}
