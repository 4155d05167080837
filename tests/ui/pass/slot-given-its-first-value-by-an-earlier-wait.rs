use tame::{mkevent, tamed, twait, Event, Rendezvous};

fn text(e: Event<String>) {
    e.trigger("new".into());
}

fn read(e: Event<(Vec<u8>, usize)>, b: Vec<u8>) {
    let n = b.len() + 1;
    e.trigger((b, n));
}

fn number(e: Event<u32>) {
    e.trigger(7);
}

// A slot declared without a value gets it from its first wait: a later
// block's slot of it stores at that block's wait, so a borrow of the old
// value may live through the block, and the buffer may be passed by value
// to the call that gives it back after its event is made.
#[tamed]
fn waits_twice() {
    let mut x: String;
    twait! { text(mkevent!(x)); }
    let r = &x;
    twait! {
        text(mkevent!(x));
        println!("{r}");
    }
    println!("{x}");

    let mut buf: Vec<u8>;
    let mut n: usize;
    twait! { read(mkevent!(buf, n), vec![0; 4]); }
    println!("{n}");
    twait! { read(mkevent!(buf, n), buf); }
    println!("{} {n}", buf.len());
}

// The same after a destructuring assignment gave the value; a rendezvous'
// slot keeps it if no value comes, so it is read.
#[tamed]
fn assigned_by_destructuring() {
    let mut x: String;
    let y: u32;
    (x, y) = (String::new(), 1);
    println!("{y}");
    let r = &x;
    twait! {
        text(mkevent!(x));
        println!("{r}");
    }
    println!("{x}");

    let rv: Rendezvous<u32> = Rendezvous::new();
    let mut got: u32;
    let other: u32;
    (got, other) = (1, 2);
    println!("{other}");
    number(mkevent!(rv, 1, got));
    twait!(rv);
    println!("{got}");
}

#[deny(warnings)]
fn main() {
    waits_twice();
    assigned_by_destructuring();
    tame::run();
}
