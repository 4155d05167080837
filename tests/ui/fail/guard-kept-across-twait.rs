// A guard of a `RefCell`, a std `Mutex` or `RwLock` held across a twait
// (taken with `borrow_mut`, `lock`, `read`, `write`, or their `try_`
// forms, used after the twait or held only for its drop): the error says
// to end it before the twait, or to use tame's own `Mutex`.
use std::{cell::RefCell, rc::Rc, sync::{Mutex, RwLock}};
use tame::{mkevent, tamed, twait};
#[tamed]
fn f(cell: Rc<RefCell<Vec<u32>>>, m: Rc<Mutex<u32>>, other: Rc<RefCell<u32>>, rw: Rc<RwLock<u32>>) {
    let mut g = cell.borrow_mut();
    let guard = m.lock().unwrap();
    let mut h = other.try_borrow_mut().expect("busy");
    let w = rw.write().unwrap();
    twait! { tame::asap(mkevent!()); }
    g.push(1);
    *h += 1;
    println!("{} {}", *guard, *w);
}
#[tamed]
fn held_for_their_drop(m: Rc<Mutex<u32>>, rw: Rc<RwLock<u32>>) {
    let _g = m.try_lock().unwrap();
    let _r = rw.read().unwrap();
    twait! { tame::asap(mkevent!()); }
}
fn main() {
    f(Rc::default(), Rc::default(), Rc::default(), Rc::default());
    held_for_their_drop(Rc::default(), Rc::default());
    tame::run();
}
