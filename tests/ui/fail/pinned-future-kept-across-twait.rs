// A future pinned with `pin!` and polled by hand on both sides of a twait:
// the pin borrows a temporary of the function, which a twait cannot keep.
use std::future::Future;
use std::task::{Context, Poll, Waker};
use tame::{mkevent, tamed, twait};

#[tamed]
fn poll_by_hand(x: u32) -> u32 {
    let mut f = std::pin::pin!(async move { x + 1 });
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        twait! { tame::asap(mkevent!()); }
    }
}

fn main() {
    poll_by_hand(1, tame::Event::detached());
}
