use tame::tamed;

#[tamed]
trait Service {
    fn serve(&self);
}

fn main() {}
