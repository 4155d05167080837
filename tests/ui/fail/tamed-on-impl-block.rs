// #[tamed] on an impl block: the error says to put it on the methods; the
// block is kept, so the rest of the crate still sees `Server`.
use tame::tamed;

struct Server;

#[tamed]
impl Server {
    fn serve(self) {}
}

fn main() {
    Server.serve();
}
