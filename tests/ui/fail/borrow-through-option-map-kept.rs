use tame::{mkevent, tamed, twait};

// `map` of a borrowed `Option` whose closure borrows what it is given
// borrows the variable too (`map(|s| s.len())` would be owned).
#[tamed]
fn f(name: Option<String>) {
    let short = name.as_ref().map(|s| s.as_str());
    twait! { tame::asap(mkevent!()); }
    println!("{short:?}");
}

fn main() {
    f(Some("a".into()));
    tame::run();
}
