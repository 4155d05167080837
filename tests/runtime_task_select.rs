//! A task written by hand (`tame::task`) that waits at several places in
//! one run, as a select: its join and a rendezvous, or two rendezvous, in
//! either order. Whichever comes back runs it again, and a rendezvous it
//! waited on forgets it when it ends.

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use tame::task::{self, TwaitSite};
use tame::Rendezvous;

static JOIN: TwaitSite = TwaitSite::new("reply_or_timer", file!(), line!());
static REPLY: TwaitSite = TwaitSite::new("reply_or_timer", file!(), line!());

/// Waits for a reply that never comes, or a timer on its join, with the
/// join's wait first or second: the timer wins either way.
fn reply_or_timer(join_first: bool) {
    tame::time::pause();
    let r = Rendezvous::<u32>::new();
    let _reply = r.event(1); // never comes
    let timed_out = Rc::new(Cell::new(false));
    let t = timed_out.clone();
    let mut armed = false;
    task::start("reply_or_timer", move |cx| {
        if !armed {
            tame::timer(Duration::from_millis(10), cx.join_event());
            armed = true;
        }
        let join = |cx: &task::TaskContext<'_>| cx.wait_join(&JOIN).is_ready();
        let reply = |cx: &task::TaskContext<'_>| cx.poll_rendezvous(&r, &REPLY).is_ready();
        let (joined, replied) = if join_first {
            let joined = join(cx);
            (joined, !joined && reply(cx))
        } else {
            let replied = reply(cx);
            (!replied && join(cx), replied)
        };
        if joined || replied {
            t.set(joined);
            return Poll::Ready(());
        }
        Poll::Pending
    });
    tame::run();
    assert!(timed_out.get(), "the timer's join event ran the task");
    assert!(tame::blocked().is_empty());
}

#[test]
fn a_join_waited_on_before_a_rendezvous_still_runs_the_task() {
    reply_or_timer(true);
}

#[test]
fn a_join_waited_on_after_a_rendezvous_runs_the_task() {
    reply_or_timer(false);
}

static A: TwaitSite = TwaitSite::new("select", file!(), line!());
static B: TwaitSite = TwaitSite::new("select", file!(), line!());
static OTHER: TwaitSite = TwaitSite::new("other", file!(), line!());

/// A fair select over two rendezvous (each run polls first the one the
/// last run polled second) ends on `b`'s event while `a` still had it as
/// its waiter: `a` forgets it, and the next function may wait there (it
/// panicked, blaming the finished task, and `a` held its memory).
#[test]
fn a_task_that_waited_on_two_rendezvous_leaves_both_when_it_ends() {
    let a = Rc::new(Rendezvous::<u32>::new());
    let b = Rc::new(Rendezvous::<u32>::new());
    let held = a.event(1);
    tame::asap(b.event(2));
    let (a2, b2) = (a.clone(), b.clone());
    let mut runs = 0;
    let got = Rc::new(Cell::new(0));
    let g = got.clone();
    task::start("select", move |cx| {
        runs += 1;
        let order = if runs % 2 == 1 {
            [(&a2, &A), (&b2, &B)]
        } else {
            [(&b2, &B), (&a2, &A)]
        };
        for (r, site) in order {
            if let Poll::Ready(id) = cx.poll_rendezvous(r, site) {
                g.set(id.unwrap_or(0));
                return Poll::Ready(());
            }
        }
        Poll::Pending
    });
    tame::run();
    assert_eq!(got.get(), 2);
    assert!(tame::blocked().is_empty());
    let a3 = a.clone();
    let other = Rc::new(Cell::new(0));
    let o = other.clone();
    task::start("other", move |cx| {
        cx.poll_rendezvous(&a3, &OTHER)
            .map(|id| o.set(id.unwrap_or(0)))
    });
    held.trigger(());
    tame::run();
    assert_eq!(
        other.get(),
        1,
        "the next function waited on `a` and got its id"
    );
}

/// A task waiting on a rendezvous of its own and on a shared one at once,
/// cancelled before either channel sends: the value sent to its own stays
/// in its channel (it would be lost with the task), the one sent to the
/// shared rendezvous' event is delivered there (the rendezvous outlives
/// the task), whichever it polled last. (Ownership was the task's, set by
/// its last poll, for both.)
#[test]
fn ownership_of_each_rendezvous_is_its_own_in_a_task_waiting_on_two() {
    use tame::sync::Channel;
    use tame::Event;

    static OWN: TwaitSite = TwaitSite::new("two", file!(), line!());
    static SHARED: TwaitSite = TwaitSite::new("two", file!(), line!());

    fn two(
        own_ch: Channel<u32>,
        shared_ch: Channel<u32>,
        shared: Rc<Rendezvous<()>>,
        own_first: bool,
        done: Event<u32>,
    ) -> task::Slot<u32> {
        let own = Rendezvous::<()>::new();
        let (ev, _) = own.event_with_slot(());
        own_ch.recv(ev);
        let (ev, shared_slot) = shared.event_with_slot(());
        shared_ch.recv(ev);
        task::start("two", move |cx| {
            cx.watch_result(&done);
            if own_first {
                let _ = cx.poll_own_rendezvous(&own, &OWN);
                let _ = cx.poll_rendezvous(&shared, &SHARED);
            } else {
                let _ = cx.poll_rendezvous(&shared, &SHARED);
                let _ = cx.poll_own_rendezvous(&own, &OWN);
            }
            Poll::Pending
        });
        shared_slot
    }

    for own_first in [true, false] {
        let (own_ch, shared_ch) = (Channel::new(), Channel::new());
        let shared = Rc::new(Rendezvous::<()>::new());
        let caller = Rendezvous::<()>::new();
        let shared_slot = two(
            own_ch.clone(),
            shared_ch.clone(),
            shared.clone(),
            own_first,
            caller.event_with_slot::<u32>(()).0,
        );
        caller.cancel();
        own_ch.send(5);
        shared_ch.send(6);
        tame::run();
        assert_eq!(
            own_ch.try_recv(),
            Some(5),
            "own_first {own_first}: kept by its channel"
        );
        assert_eq!(
            shared_ch.try_recv(),
            None,
            "own_first {own_first}: delivered"
        );
        assert_eq!(
            shared_slot.take(),
            Some(6),
            "own_first {own_first}: in the shared slot"
        );
    }
}

/// A run that returns `Pending` without waiting anywhere ends the task, as
/// `task::start` says: its closure is dropped then (it held a join event
/// of its own run out, in a timer and in a variable outside, which kept it
/// alive), the join events are dead from then on, the timer holding one is
/// cancelled, and the loop has nothing left to wait for.
#[test]
fn a_run_that_returns_pending_without_waiting_ends_the_task() {
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let flag = Flag(dropped.clone());
    let stashed: Rc<std::cell::RefCell<Option<tame::Event>>> = Rc::default();
    let s = stashed.clone();
    task::start("waits_nowhere", move |cx| {
        let _held = &flag;
        tame::timer(Duration::from_secs(3600), cx.join_event());
        *s.borrow_mut() = Some(cx.join_event());
        Poll::Pending
    });
    assert!(dropped.get(), "the closure is dropped when the run returns");
    let ev = stashed.borrow_mut().take().unwrap();
    assert!(!ev.is_live(), "its join events are dead");
    assert!(tame::blocked().is_empty());
    assert!(
        !tame::run_once(Some(Duration::ZERO)),
        "the timer holding a join event is cancelled: nothing is left"
    );
    ev.trigger(()); // does nothing
}

/// A select written by hand that waited on its join and a rendezvous, woken
/// by the join, returns `Pending` without polling the rendezvous again: the
/// rendezvous still has it as its waiter, so it still waits (it is not
/// over), and the rendezvous' value reaches it.
#[test]
fn a_select_woken_by_its_join_still_waits_on_the_rendezvous_of_an_earlier_run() {
    static J: TwaitSite = TwaitSite::new("sel", file!(), line!());
    static R: TwaitSite = TwaitSite::new("sel", file!(), line!());
    tame::time::pause();
    let r = Rendezvous::<u32>::new();
    tame::timer(Duration::from_millis(50), r.event(7));
    let got = Rc::new(Cell::new(0));
    let g = got.clone();
    let mut runs = 0;
    task::start("sel", move |cx| {
        runs += 1;
        if runs == 1 {
            tame::timer(Duration::from_millis(10), cx.join_event());
            assert!(cx.wait_join(&J).is_pending());
            assert!(cx.poll_rendezvous(&r, &R).is_pending());
            return Poll::Pending;
        }
        if runs == 2 {
            // Woken by the join; the rendezvous is left for later.
            assert!(cx.wait_join(&J).is_ready());
            return Poll::Pending;
        }
        match cx.poll_rendezvous(&r, &R) {
            Poll::Ready(id) => {
                g.set(id.unwrap_or(0));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    });
    // Between the join's wake (10 ms) and the rendezvous' (50 ms), the
    // task is listed as waiting there.
    let listed = Rc::new(Cell::new(None));
    let l = listed.clone();
    tame::timer(
        Duration::from_millis(30),
        tame::Event::from_fn(move |_: Option<()>| {
            l.set(Some(
                tame::blocked()
                    .iter()
                    .filter(|b| b.function() == "sel")
                    .count(),
            ));
        }),
    );
    tame::run();
    assert_eq!(got.get(), 7);
    assert_eq!(listed.get(), Some(1), "blocked() lists it");
}
