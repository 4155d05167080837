use tame::mkevent;

fn not_tamed() {
    let r = tame::Rendezvous::<u8>::new();
    tame::asap(mkevent!(r, 1));
}

fn main() {}
