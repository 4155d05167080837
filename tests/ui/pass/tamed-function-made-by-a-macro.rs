// A `macro_rules!` that makes a tamed function, splicing a `$body:block`
// between its statements (the block comes without delimiters around its
// braces).
use tame::{mkevent, tamed, twait};

macro_rules! handler {
    ($name:ident, $body:block) => {
        #[tamed]
        fn $name(log: std::rc::Rc<std::cell::RefCell<Vec<&'static str>>>) -> u32 {
            twait! { tame::asap(mkevent!()); }
            $body
            log.borrow_mut().push("after body");
            7
        }
    };
}

handler!(h, {
    println!("body");
});

fn main() {
    let log = std::rc::Rc::default();
    assert_eq!(tame::run_with(|d| h(std::rc::Rc::clone(&log), d)), Some(7));
    assert_eq!(*log.borrow(), ["after body"]);
}
