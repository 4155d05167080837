//! What the kernel says of the calling thread's signal mask.

/// Whether signal `signo` is blocked in the calling thread (`SigBlk` in
/// /proc/thread-self/status: a hex mask, signal n at bit n - 1).
pub fn blocked_here(signo: i32) -> bool {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .expect("a SigBlk line");
    let mask = u64::from_str_radix(line.trim(), 16).unwrap();
    mask & 1 << (signo - 1) != 0
}
