// A guard of a `RefCell` or a std `Mutex` held across a twait (taken with
// `borrow_mut`, `lock`, or their `try_` forms): the error says to end it
// before the twait, or to use tame's own `Mutex`.
use std::{cell::RefCell, rc::Rc, sync::Mutex};
use tame::{mkevent, tamed, twait};
#[tamed]
fn f(cell: Rc<RefCell<Vec<u32>>>, m: Rc<Mutex<u32>>, other: Rc<RefCell<u32>>) {
    let mut g = cell.borrow_mut();
    let guard = m.lock().unwrap();
    let mut h = other.try_borrow_mut().expect("busy");
    twait! { tame::asap(mkevent!()); }
    g.push(1);
    *h += 1;
    println!("{}", *guard);
}
fn main() { f(Rc::default(), Rc::default(), Rc::default()); tame::run(); }
