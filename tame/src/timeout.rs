//! `add_timeout`: the paper's figure 5, as a `#[tamed]` function.

use std::time::Duration;

use crate::task::Slot;
use crate::{mkevent, tamed, twait, Event, Rendezvous, Timeout};

/// Wraps `ev` with a deadline.
///
/// The returned event triggers `ev` with `Ok(v)`; if `dur` runs out first,
/// `ev` gets `Err(Timeout)` and a later trigger of the returned event is a
/// harmless no-op. If the returned event is dropped untriggered first, `ev`
/// is dropped untriggered too. Either way the timer is cancelled when the
/// race is decided, so it does not keep [`run`](crate::run) going.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{add_timeout, Rendezvous, Timeout};
///
/// let r = Rendezvous::<()>::new();
/// let (fast, fast_slot) = r.event_with_slot::<Result<u8, Timeout>>(());
/// let (slow, slow_slot) = r.event_with_slot::<Result<u8, Timeout>>(());
/// add_timeout(Duration::from_secs(5), fast).trigger(1);
/// let never = add_timeout(Duration::from_millis(5), slow);
/// tame::run();
/// assert_eq!(fast_slot.take(), Some(Ok(1)));
/// assert_eq!(slow_slot.take(), Some(Err(Timeout)));
/// drop(never);
/// ```
pub fn add_timeout<T: 'static>(dur: Duration, ev: Event<Result<T, Timeout>>) -> Event<T> {
    let r = Rendezvous::<bool>::new();
    let (value_ev, value) = r.event_with_slot(true);
    race(dur, ev, r, value);
    value_ev
}

/// Forwards a trigger of the returned event to `ev`, or drops `ev`
/// untriggered if `dur` runs out first (Tamer's `with_timeout`): the
/// caller's twait ends either way, its slot unchanged on a timeout.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn reply_or_default() -> u32 {
///     let mut v = 0; // stays 0 if the reply is late
///     twait! {
///         let reply = tame::with_timeout(Duration::from_millis(5), mkevent!(v));
///         // A reply that would come after a minute.
///         tame::timer(Duration::from_secs(60), reply.map(|()| 42));
///     }
///     v
/// }
///
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, got) = r.event_with_slot(());
/// reply_or_default(ev);
/// tame::run();
/// assert_eq!(got.take(), Some(0));
/// ```
pub fn with_timeout<T: 'static>(dur: Duration, ev: Event<T>) -> Event<T> {
    add_timeout(
        dur,
        Event::from_fn(move |r: Option<Result<T, Timeout>>| {
            if let Some(Ok(v)) = r {
                ev.trigger(v);
            }
        }),
    )
}

/// Waits for whichever comes first: the caller's event (id `true`, its
/// value waiting in `value`, the event's own cell) or the timer (`false`).
///
/// Keeping the value in the event's cell rather than in a `mkevent!` slot
/// place keeps this task small: every idle connection of a server with an
/// idle timeout has one of these.
#[tamed]
fn race<T: 'static>(
    dur: Duration,
    ev: Event<Result<T, Timeout>>,
    r: Rendezvous<bool>,
    value: Slot<T>,
) {
    crate::timer(dur, mkevent!(r, false));
    match twait!(r) {
        Some(true) => {
            if let Some(v) = value.take() {
                ev.trigger(Ok(v));
            }
            // Else the caller's event was dropped: so is `ev`.
        }
        Some(false) => ev.trigger(Err(Timeout)),
        None => {}
    }
    // Dropping `r` here cancels the loser: the timer stops counting as
    // armed, a late trigger of the caller's event is a no-op.
}
