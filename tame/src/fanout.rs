//! `tame::all`: one event that reaches many (Tamer's `distribute`).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::driver::{self, WaitId};
use crate::event::{Event, Sink};

/// One event whose trigger reaches every event of `evs`, each with a clone
/// of the value (the last one gets the value itself). Dropping it
/// untriggered drops them all untriggered.
///
/// If the callback of one of `evs` panics when triggered (an event made
/// with [`Event::from_fn`]), the panic goes out of the trigger, and the
/// events after it still get the value: from the loop's queue, in this
/// turn if the loop runs one, else when the program that caught the panic
/// runs the loop. Triggered while a panic unwinds (from a `Drop`), it
/// delivers every value that way, from the loop's queue: a callback that
/// panicked then would abort the process.
///
/// It counts as live while any of `evs` is, so a timer armed with it stops
/// counting once nobody listens.
///
/// So does what cancels itself when its event dies: a tamed function given
/// it as its result event (or as an `Event` parameter it watches), or
/// [`spawn`](crate::spawn) or [`spawn_blocking`](crate::spawn_blocking)
/// given it, goes on while any of `evs` listens, and is cancelled once
/// none does (or when another event it watches dies, as without a
/// fan-out).
///
/// # Examples
///
/// ```
/// use tame::{mkevent, tamed, twait};
///
/// #[tamed]
/// fn both_hear_it() -> (u32, u32) {
///     let (mut a, mut b) = (0, 0);
///     twait! {
///         let ev = tame::all(vec![mkevent!(a), mkevent!(b)]);
///         ev.trigger(7);
///     }
///     (a, b)
/// }
///
/// let r = tame::Rendezvous::<()>::new();
/// let (ev, got) = r.event_with_slot(());
/// both_hear_it(ev);
/// tame::run();
/// assert_eq!(got.take(), Some((7, 7)));
/// ```
pub fn all<T: Clone + 'static>(evs: Vec<Event<T>>) -> Event<T> {
    Event::from_sink(Rc::new_cyclic(|me| All(RefCell::new(evs), me.clone())))
}

/// The events, and a weak reference to itself (for the loop: see
/// [`driver::watch_partly`]).
pub(crate) struct All<T>(RefCell<Vec<Event<T>>>, Weak<All<T>>);

/// What [`All::walk`] comes upon.
enum Seen<'a, T> {
    /// A fan-out (the one walked first), whose events are walked next.
    FanOut,
    /// A fan-out whose events are out, being completed: it is live.
    Busy,
    /// An event under the fan-outs that is no fan-out itself.
    Leaf(&'a dyn Sink<T>),
}

impl<T: 'static> All<T> {
    /// Shows `f` this fan-out, the events under it and under the fan-outs
    /// among them, in constant stack however deep fan-outs nest (`acc =
    /// all(vec![acc, ev])` for each waiter nests one level each), until `f`
    /// returns true; returns whether it did.
    fn walk(&self, f: &mut dyn FnMut(Seen<'_, T>) -> bool) -> bool {
        // Fan-outs met under this one, to walk after it (allocated only
        // when there are any).
        let mut nested: Vec<Rc<dyn Sink<T>>> = Vec::new();
        let mut visit = |all: &All<T>, nested: &mut Vec<Rc<dyn Sink<T>>>| -> bool {
            if f(Seen::FanOut) {
                return true;
            }
            let Ok(evs) = all.0.try_borrow() else {
                return f(Seen::Busy);
            };
            for sink in evs.iter().filter_map(Event::sink) {
                if sink.as_all().is_some() {
                    nested.push(sink.clone());
                } else if f(Seen::Leaf(&**sink)) {
                    return true;
                }
            }
            false
        };
        if visit(self, &mut nested) {
            return true;
        }
        while let Some(sink) = nested.pop() {
            if let Some(all) = sink.as_all() {
                if visit(all, &mut nested) {
                    return true;
                }
            }
        }
        false
    }
}

impl<T: 'static> driver::PartlyLive for All<T> {
    fn still_live(&self) -> bool {
        self.walk(&mut |seen| match seen {
            Seen::FanOut => false,
            Seen::Busy => true,
            Seen::Leaf(sink) => sink.is_live(),
        })
    }
}

impl<T: Clone + 'static> Sink<T> for All<T> {
    fn complete(self: Rc<Self>, value: Option<T>) {
        // Through the trampoline: an event under it may be a fan-out in
        // turn, at any depth.
        crate::nesting::complete(move || {
            // Taken out first: triggering may reach code that looks at us.
            let evs = std::mem::take(&mut *self.0.borrow_mut());
            let Some(value) = value else {
                // Each callback gets its `None`, even past one that panics.
                crate::driver::drop_each(evs);
                return;
            };
            // A callback that panics does not keep the events after it
            // from getting the value.
            crate::driver::trigger_each(Deal {
                evs: evs.into_iter(),
                value: Some(value),
            });
        });
    }

    fn is_live(&self) -> bool {
        driver::PartlyLive::still_live(self)
    }

    /// Live while any of them is: each is watched, and the loop drops the
    /// wait once a report finds them all dead.
    fn watch(&self, id: WaitId) -> bool {
        // A task watching this fan-out itself (not through another one
        // above it, whose events are watched with the flag already) has it
        // listed, and watches the events under it with the flag: the
        // death of one of them cancels the task only if the fan-out has
        // no live listener left.
        let top = driver::is_task_wait(id) && !driver::is_partly(id);
        if top {
            driver::watch_partly(id, self.1.clone());
        }
        let id = if driver::is_task_wait(id) {
            driver::partly_id(id)
        } else {
            id
        };
        let mut live = false;
        // Every one is watched (no short-circuit).
        self.walk(&mut |seen| {
            match seen {
                Seen::FanOut => {}
                Seen::Busy => live = true,
                Seen::Leaf(sink) => live |= sink.watch(id),
            }
            false
        });
        live
    }

    fn unwatch(&self) {
        self.walk(&mut |seen| {
            if let Seen::Leaf(sink) = seen {
                sink.unwatch();
            }
            false
        });
    }

    fn as_all(&self) -> Option<&All<T>> {
        Some(self)
    }
}

/// The events of an [`All`] paired with the value: a clone each, the
/// value itself for the last.
struct Deal<T> {
    evs: std::vec::IntoIter<Event<T>>,
    value: Option<T>,
}

impl<T: Clone> Iterator for Deal<T> {
    type Item = (Event<T>, T);

    fn next(&mut self) -> Option<(Event<T>, T)> {
        let ev = self.evs.next()?;
        let value = if self.evs.len() == 0 {
            self.value.take()?
        } else {
            self.value.clone()?
        };
        Some((ev, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.evs.size_hint()
    }
}

impl<T: Clone> ExactSizeIterator for Deal<T> {}
