use tame::tamed;

#[tamed]
struct Server {
    port: u16,
}

fn main() {}
