//! The `Date` of knot's responses: the wall clock's second, read once a
//! second of loop time rather than once per response.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tame_suite::http::{imf_fixdate, DATE_LEN};

thread_local! {
    /// [`now`]'s last answer: the loop time until which it holds, the
    /// second, and its date.
    static LAST: Cell<Option<(Instant, u64, [u8; DATE_LEN])>> = const { Cell::new(None) };
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
    let loop_now = tame::now();
    LAST.with(|last| {
        if let Some((until, secs, date)) = last.get() {
            if loop_now < until {
                return (secs, date);
            }
        }
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let secs = wall.as_secs();
        let date = imf_fixdate(secs);
        // The wall clock's next second, in loop time. The turn's clock was
        // read before the wall clock: counted from it, the second ends
        // early if anything, and the date is read again, never kept late.
        let left = Duration::from_secs(1) - Duration::from_nanos(u64::from(wall.subsec_nanos()));
        last.set(Some((loop_now + left, secs, date)));
        (secs, date)
    })
}
