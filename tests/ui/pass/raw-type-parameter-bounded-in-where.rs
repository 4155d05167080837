use tame::{mkevent, tamed, twait};

// A raw identifier as a type parameter, bounded in a `where` clause: the
// `'static` bound the task needs is added there, under the same raw name.
#[tamed]
fn show<r#T>(t: r#T)
where
    r#T: std::fmt::Debug,
{
    twait! { tame::asap(mkevent!()); }
    println!("{t:?}");
}

fn main() {
    show(1);
    tame::run();
}
