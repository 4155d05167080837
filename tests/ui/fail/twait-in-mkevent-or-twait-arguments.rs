// A twait! in the arguments of mkevent!(..) or twait!(..) is refused as in
// any macro's arguments (bind its value first), not reported as outside a
// tamed function.
use tame::{mkevent, tamed, twait, Rendezvous};

#[tamed]
fn id_waits(r: Rendezvous<u32>, q: Rendezvous<u32>) {
    tame::asap(mkevent!(r, twait!(q).unwrap()));
    twait!(r);
}

#[tamed]
fn rendezvous_waits(rs: Vec<Rendezvous<u32>>, q: Rendezvous<u32>) {
    twait!(rs[twait!(q).unwrap() as usize]);
}

fn main() {}
