// A raw pointer to a variable, used after a twait: the variable moves into
// the machine's state there, so the pointer would dangle (in a plain
// function it stays valid). The error is at the pointer, as for a borrow.
use tame::{mkevent, tamed, twait, Event};

#[tamed]
fn through_raw(done: Event<u32>) {
    let mut x = 5u32;
    let p = &raw mut x;
    twait! { tame::asap(mkevent!()); }
    unsafe { *p = 7 };
    done.trigger(x);
}

#[tamed]
fn through_addr_of(done: Event<u32>) {
    let x = 5u32;
    let p: *const u32 = std::ptr::addr_of!(x);
    twait! { tame::asap(mkevent!()); }
    done.trigger(unsafe { *p });
}

fn main() {
    through_raw(Event::detached());
    through_addr_of(Event::detached());
}
