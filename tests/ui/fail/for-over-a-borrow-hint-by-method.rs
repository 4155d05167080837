// A `for` loop over a borrow of a local, with a twait in its body: the fix
// the error gives fits what is iterated (`drain` empties the collection, a
// clone would not; a `String`'s lines or pieces are taken owned, and the
// `lines` of a reader of a type the translator does not see (a type
// parameter) is `BufRead::lines(reader)`, or its type written; a map is
// snapshotted; an iterator borrowed with `&mut` is taken from one item at
// a time; boxed closures, which have no clone, by index).
use std::collections::HashMap;
use std::io::BufRead;
use tame::{mkevent, tamed, twait};

#[tamed]
fn f<R: BufRead + 'static>(
    mut pending: Vec<u32>,
    text: String,
    csv: String,
    map: HashMap<u32, String>,
    reader: R,
    handlers: Vec<Box<dyn Fn(u32)>>,
) {
    for x in pending.drain(..) {
        twait! { tame::asap(mkevent!()); }
        let _ = x;
    }
    for line in text.lines() {
        twait! { tame::asap(mkevent!()); }
        let _ = line;
    }
    for field in csv.split(',') {
        twait! { tame::asap(mkevent!()); }
        let _ = field;
    }
    for (k, v) in map.iter() {
        twait! { tame::asap(mkevent!()); }
        let _ = (k, v);
    }
    for line in reader.lines() {
        twait! { tame::asap(mkevent!()); }
        let _ = line;
    }
    let mut it = vec![1u32, 2, 3].into_iter();
    for x in &mut it {
        twait! { tame::asap(mkevent!()); }
        let _ = x;
    }
    let _ = it.next();
    for h in &handlers {
        twait! { tame::asap(mkevent!()); }
        h(1);
    }
    let _ = (pending, text, csv, map);
}

fn main() {
    let reader = std::io::BufReader::new(std::io::stdin());
    f(Vec::new(), String::new(), String::new(), HashMap::new(), reader, Vec::new());
}
