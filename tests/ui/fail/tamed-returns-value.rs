use tame::tamed;

#[tamed]
fn f(x: u32) -> u32 {
    x + 1
}

fn main() {}
