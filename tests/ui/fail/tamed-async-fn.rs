use tame::tamed;

#[tamed]
async fn f() {}

fn main() {}
