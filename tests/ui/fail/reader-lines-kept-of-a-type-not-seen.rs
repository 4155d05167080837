// A reader's `lines` takes it by value, a string's borrows it: for a
// variable whose type the translator does not see (a type parameter), the
// error says how to show it a reader (a written type, or a constructor
// such as `BufReader::new(f)`, whose `lines` may then be kept across a
// twait).
use std::io::BufRead;
use tame::{mkevent, tamed, twait};

#[tamed]
fn count<R: BufRead + 'static>(reader: R) -> usize {
    let mut lines = reader.lines();
    let mut n = 0;
    while let Some(line) = lines.next() {
        twait! { tame::asap(mkevent!()); }
        n += line.map_or(0, |l| l.len());
    }
    n
}

fn main() {
    count(std::io::Cursor::new("a\nb"), tame::Event::from_fn(|_| ()));
}
