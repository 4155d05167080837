use tame::{mkevent, tamed, twait};

// A syntax error beside twaits that follow a keyword (`match twait!(r)`,
// `return twait!(r)`): the syntax error and nothing else (the keyword and
// the macro's name were taken for one path, "cannot find macro
// `matchtwait`").
#[tamed]
fn f(n: u32) -> u32 {
    let r = tame::Rendezvous::<u32>::new();
    tame::asap(mkevent!(r, 7));
    if n > 5 {
        return twait!(r).unwrap_or(0);
    }
    let y = match twait!(r) {
        Some(v) => v,
        None => 0,
    };
    let x = y +;
    x
}

fn main() {
    println!("{:?}", tame::run_with(|d| f(1, d)));
}
