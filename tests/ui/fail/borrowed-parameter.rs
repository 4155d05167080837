// A borrowed parameter: the error says what to take instead, by what is
// borrowed (a string, a slice, a closure, a value changed in place).
use tame::tamed;

struct Config {
    name: String,
}

#[tamed]
fn f(name: &str) {
    println!("{name}");
}

#[tamed]
fn g(ids: &[u32], each: &mut dyn FnMut(u32), out: &mut Vec<u32>, cfg: &Config) {
    for &i in ids {
        each(i);
        out.push(i);
    }
    println!("{}", cfg.name);
}

fn main() {}
