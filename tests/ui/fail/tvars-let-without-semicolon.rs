use tame::{mkevent, tamed, tvars, twait};

#[tamed]
fn f() {
    tvars! {
        let x = 1u32;
        let y = 2u32
    }
    twait! { tame::asap(mkevent!()); }
    println!("{x} {y}");
}

fn main() {
    f();
    tame::run();
}
