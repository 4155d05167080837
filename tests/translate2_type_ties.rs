//! The types the expansion tells rustc before it checks the machine (the
//! types variables were written with, given to witnesses at the top of
//! the body) are the machine's own in every shape where the top of the
//! body could read a written type otherwise, or where a variable's type is
//! told only later: a closure (a type of its own in each copy of the
//! code), an inner block's item, a `use` of an inner block, a type a macro
//! declares, a parameter whose type the body's `use` reads otherwise, an
//! item of a `twait! {}` block named as a variable. Each compiles and
//! behaves as the plain function.

#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// Runs `f` with an event, then the loop; what the event got.
fn result_of<T: 'static>(f: impl FnOnce(Event<T>)) -> Option<T> {
    tame::run_with(f)
}

fn give<T: 'static>(v: T, ev: Event<T>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(v)));
}

/// A closure and a value made with one, kept across waits; a number and a
/// `Vec` made without one beside them.
#[tamed]
fn closures_kept(k: u32) -> u32 {
    let add = move |x: u32| x + k;
    let doubled: Vec<u32> = vec![1, 2].into_iter().map(|x| x * 2).collect();
    let evens = (0..10u32).filter(|x| x % 2 == 0);
    let mut n = 0;
    let names = vec![String::from("a")];
    twait! { tame::asap(mkevent!()); }
    n += add(1);
    twait! { tame::asap(mkevent!()); }
    n + doubled.iter().sum::<u32>() + evens.count() as u32 + names.len() as u32
}

/// One name for two variables (shadowing), each kept across a wait.
#[tamed]
fn shadowed_names() -> String {
    let x = 5u8;
    let y = x;
    twait! { tame::asap(mkevent!()); }
    let x = format!("{y}!");
    twait! { tame::asap(mkevent!()); }
    let x = x.len();
    twait! { tame::asap(mkevent!()); }
    format!("{x} {y}")
}

/// Types declared in inner blocks, and a `use` of an inner block, named by
/// variables kept across waits (written and inferred).
#[tamed]
fn inner_items(on: bool) -> u32 {
    let mut total = 0;
    if on {
        struct Pair(u32, u32);
        let p: Pair = Pair(1, 2);
        let q = Pair(3, 4);
        twait! { tame::asap(mkevent!()); }
        total += p.0 + p.1 + q.0 + q.1;
    }
    {
        use std::collections::BTreeMap as Map;
        let mut m: Map<u32, u32> = Map::new();
        m.insert(1, 10);
        twait! { tame::asap(mkevent!()); }
        total += m[&1];
    }
    total
}

/// The crate's own `Message`, named by a parameter's type.
pub struct Message(pub String);

mod wire {
    /// Another `Message`, which a body imports.
    pub struct Message(pub u8);
}

/// A parameter whose type names what the body's `use` names otherwise,
/// and a variable of the body's type.
#[tamed]
fn parameter_and_body_types(msg: Message) -> usize {
    use wire::Message;
    let local: Message = Message(3);
    twait! { tame::asap(mkevent!()); }
    msg.0.len() + usize::from(local.0)
}

/// A twait inside an argument while another argument's borrow is under
/// way, and a guard of a `twait! {}` block that borrows a kept variable.
#[tamed]
fn borrows_under_way() -> Vec<u32> {
    let mut c = vec![0u32; 3];
    let cell = RefCell::new(1u32);
    bump(&mut c, {
        twait! { tame::asap(mkevent!()); }
        2
    });
    twait! {
        let g = cell.borrow_mut();
        let drained: Vec<u32> = c.drain(..1).collect();
        give(drained.len() as u32 + *g, mkevent!(c[0]));
    }
    c
}

fn bump(v: &mut [u32], by: u32) {
    for x in v {
        *x += by;
    }
}

/// Slots of written types, one and two to an event, filled again and
/// again; one of a type from an inner block.
#[tamed]
fn typed_slots() -> String {
    let n: u32;
    twait! { give(4, mkevent!(n)); }
    let (s, m): (String, u8);
    twait! { give((String::from("s"), 2), mkevent!(s, m)); }
    let mut sum = n + u32::from(m);
    for i in 0..3u32 {
        let k: u32;
        twait! { give(i, mkevent!(k)); }
        sum += k;
    }
    {
        #[derive(Debug)]
        struct Tag(u8);
        let t: Tag;
        twait! { give(Tag(9), mkevent!(t)); }
        sum += u32::from(t.0);
    }
    format!("{s}{sum}")
}

/// A method taking `self`, with `Self` in a kept variable's type.
struct Counter {
    n: Rc<RefCell<u32>>,
}

impl Counter {
    #[tamed]
    fn run(self) -> u32 {
        let other: Self = Counter { n: self.n.clone() };
        twait! { tame::asap(mkevent!()); }
        *other.n.borrow_mut() += 1;
        let v = *self.n.borrow();
        v
    }
}

/// A tamed function a macro writes, its names the macro caller's.
macro_rules! waiting_sum {
    ($name:ident, $x:ident) => {
        #[tamed]
        fn $name(start: u32) -> u32 {
            let $x: u32 = start;
            twait! { tame::asap(mkevent!()); }
            $x + 1
        }
    };
}
waiting_sum!(macro_made, base);

/// Closures put into a variable after its `let` (its type told only by
/// the code after it), a type of the initializer's own block.
#[tamed]
fn types_told_later() -> u32 {
    let mut fs = Vec::new();
    for i in 0..3u32 {
        fs.push(move |x: u32| x + i);
    }
    let n = {
        #[derive(Clone, Copy)]
        struct Meters(u32);
        Meters(3)
    };
    twait! { tame::asap(mkevent!()); }
    fs.iter().map(|f| f(1)).sum::<u32>() + n.0
}

/// A type a macro of the user's declares, and a macro in an array's
/// length, named by written types of variables kept across a wait.
macro_rules! newtype {
    ($n:ident) => {
        #[derive(Debug)]
        struct $n(u32);
    };
}

#[tamed]
fn macro_made_types(on: bool) -> usize {
    newtype!(Meters);
    let m: Meters = Meters(5);
    let mut n = 0;
    if on {
        macro_rules! width {
            () => {
                4
            };
        }
        let a: [u8; width!()] = [1; width!()];
        twait! { tame::asap(mkevent!()); }
        n += a.len();
    }
    twait! { tame::asap(mkevent!()); }
    n + m.0 as usize
}

/// A parameter filled as a slot, its type's name another type in the
/// body; an item of a `twait! {}` block named as a kept variable.
#[tamed]
fn parameter_slot_and_block_item(mut msg: Message) -> usize {
    use wire::Message;
    let w = Message(2);
    twait! { give(crate::Message("hi".into()), mkevent!(msg)); }
    let total = 5usize;
    let mut got = 0;
    twait! {
        fn total(v: &[usize]) -> usize {
            v.iter().sum()
        }
        give(total(&[1, 2]), mkevent!(got));
    }
    msg.0.len() + usize::from(w.0) + total + got
}

/// A pattern parameter whose type names what the body's `use` names
/// otherwise (its `let` in the machine was written with the type, read
/// in the body: "expected `wire::Message`, found `Message`").
#[tamed]
fn pattern_parameter_and_body_use((id, msg): (u32, Message)) -> usize {
    use wire::Message;
    let w = Message(1);
    twait! { tame::asap(mkevent!()); }
    id as usize + msg.0.len() + usize::from(w.0)
}

/// A `Copy` type of one's own named as one of std's (`Cell`), in a slot
/// taken apart and refilled by a wait whose event comes back empty: it
/// was copied, not moved, so the slot keeps its value (it was taken for a
/// `std::cell::Cell` moved out, and the wait panicked for want of one).
mod grid {
    use tame::{mkevent, tamed, twait, Event};

    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Cell {
        pub x: u8,
    }

    fn give(ev: Event<(Cell, u32)>, comes: bool) {
        if comes {
            ev.trigger((Cell { x: 1 }, 2));
        }
    }

    #[tamed]
    pub fn copied_then_kept() -> (Cell, u32, Cell) {
        let mut got: (Cell, u32);
        twait! { give(mkevent!(got), true); }
        let (c, n) = got;
        twait! { give(mkevent!(got), false); }
        (c, n, got.0)
    }
}

#[test]
fn every_shape_compiles_and_means_what_the_plain_function_means() {
    on_fresh_loop(|| {
        assert_eq!(result_of(|ev| closures_kept(1, ev)), Some(2 + 6 + 5 + 1));
        assert_eq!(result_of(shadowed_names).as_deref(), Some("2 5"));
        assert_eq!(result_of(|ev| inner_items(true, ev)), Some(20));
        assert_eq!(
            result_of(|ev| parameter_and_body_types(Message("ab".into()), ev)),
            Some(5)
        );
        assert_eq!(result_of(borrows_under_way), Some(vec![2, 2]));
        assert_eq!(result_of(typed_slots).as_deref(), Some("s18"));
        let n = Rc::new(RefCell::new(1));
        assert_eq!(result_of(|ev| Counter { n: n.clone() }.run(ev)), Some(2));
        assert_eq!(result_of(|ev| macro_made(4, ev)), Some(5));
        assert_eq!(result_of(types_told_later), Some(1 + 2 + 3 + 3));
        let one = grid::Cell { x: 1 };
        assert_eq!(result_of(grid::copied_then_kept), Some((one, 2, one)));
        assert_eq!(
            result_of(|ev| pattern_parameter_and_body_use((2, Message("ab".into())), ev)),
            Some(5)
        );
        assert_eq!(result_of(|ev| macro_made_types(true, ev)), Some(9));
        assert_eq!(
            result_of(|ev| parameter_slot_and_block_item(Message("x".into()), ev)),
            Some(2 + 2 + 5 + 3)
        );
        assert!(Rendezvous::<()>::new().try_next().is_none());
    });
}
