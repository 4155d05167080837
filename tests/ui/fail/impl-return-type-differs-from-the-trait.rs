// An implementation of a tamed trait method whose return type differs from
// the trait's: reported at the return type (it was at `#[tamed]`, whose
// help replaced the attribute with `Event<String>`).
use std::rc::Rc;
use tame::{mkevent, tamed, twait};

pub trait Svc {
    #[tamed]
    fn get(self: Rc<Self>) -> String;
}
struct S;
impl Svc for S {
    #[tamed]
    fn get(self: Rc<Self>) -> usize {
        twait! { tame::asap(mkevent!()); }
        5
    }
}
fn main() {}
