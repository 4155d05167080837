use tame::tamed;

struct Server;

impl Server {
    #[tamed]
    fn serve(&self) {}
}

fn main() {}
