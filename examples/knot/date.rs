//! The `Date` of knot's responses: the wall clock's second, read once a
//! second of loop time rather than once per response.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tame_suite::http::{imf_fixdate, DATE_LEN};

/// [`now`]'s last reading of the wall clock.
struct Last {
    /// The loop time until which it holds (`None`: never read).
    until: Cell<Option<Instant>>,
    /// The second it read.
    secs: Cell<u64>,
    /// That second as an HTTP date.
    date: Cell<[u8; DATE_LEN]>,
}

thread_local! {
    static LAST: Last = const {
        Last {
            until: Cell::new(None),
            secs: Cell::new(0),
            date: Cell::new([0; DATE_LEN]),
        }
    };
}

/// The wall clock's second now (what [`now`] would date a response with),
/// for a request that only compares it with a cached response's: a loop
/// time and a comparison, no date copied.
pub fn second() -> u64 {
    let loop_now = tame::now();
    LAST.with(|last| {
        if last.until.get().is_some_and(|until| loop_now < until) {
            last.secs.get()
        } else {
            read(last, loop_now)
        }
    })
}

/// The wall clock's second now and its HTTP date, for a response's `Date`
/// (RFC 9110 §6.6.1: an origin server with a clock must send one). The
/// wall clock is read once a second of this thread's loop time
/// ([`tame::now`], read once per turn), not once per response: a request
/// pays a comparison, and a loop serving a turn of requests dates them all
/// with the second the turn began in (or, for a turn that outlasts it, the
/// next at the latest: the second is over in loop time no later than on
/// the wall clock).
pub fn now() -> (u64, [u8; DATE_LEN]) {
    let secs = second();
    LAST.with(|last| (secs, last.date.get()))
}

/// Reads the wall clock into `last`; its second.
fn read(last: &Last, loop_now: Instant) -> u64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = wall.as_secs();
    // The wall clock's next second, in loop time. The turn's clock was
    // read before the wall clock: counted from it, the second ends early
    // if anything, and the date is read again, never kept late.
    let left = Duration::from_secs(1) - Duration::from_nanos(u64::from(wall.subsec_nanos()));
    last.until.set(Some(loop_now + left));
    if last.secs.get() != secs || last.date.get()[0] == 0 {
        last.date.set(imf_fixdate(secs));
    }
    last.secs.set(secs);
    secs
}
