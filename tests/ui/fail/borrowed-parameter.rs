// A borrowed parameter: the error says what to take instead, by what is
// borrowed (a string, a slice, a closure, a value changed in place, a
// trait object or an OS string, which cannot be taken by value).
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

trait Named {
    fn name(&self) -> String;
}

#[tamed]
fn h(who: &dyn Named, os: &std::ffi::OsStr, buf: &mut [u8], out: &mut dyn std::io::Write) {
    buf[0] = 1;
    let _ = writeln!(out, "{} {:?}", who.name(), os);
}

fn main() {}
