use tame::twait;

fn not_tamed(r: tame::Rendezvous<u8>) {
    let _ = twait!(r);
}

fn main() {}
