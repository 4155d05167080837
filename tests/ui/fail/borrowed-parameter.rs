use tame::tamed;

#[tamed]
fn f(name: &str) {
    println!("{name}");
}

fn main() {}
