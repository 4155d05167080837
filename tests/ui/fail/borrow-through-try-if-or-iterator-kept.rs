use tame::{mkevent, tamed, twait};

// A value that borrows a variable through `?`, a choice between borrows,
// or an item of a borrowing iterator cannot be kept across a twait.
#[tamed]
fn through_try(v: Vec<String>) -> Option<usize> {
    let first = v.first()?;
    twait! { tame::asap(mkevent!()); }
    Some(first.len())
}

#[tamed]
fn through_if(a: String, b: String, c: bool) {
    let chosen = if c { &a } else { &b };
    twait! { tame::asap(mkevent!()); }
    println!("{chosen}");
}

#[tamed]
fn through_an_item(v: Vec<u32>, csv: String) {
    let top = v.iter().max().unwrap();
    let field = csv.split(',').next().unwrap();
    twait! { tame::asap(mkevent!()); }
    println!("{top} {field}");
}

fn main() {}
