//! A method of one's own named like a lock's `read`, giving an owned value
//! (a WebSocket's next message), kept across a twait: taken for a guard by
//! the name; the error says so and where to write the type, also for a
//! binding of a `match` arm on it.
use tame::{mkevent, tamed, twait};

pub struct Socket(u32);

impl Socket {
    pub fn read(&mut self) -> Result<String, ()> {
        self.0 += 1;
        Ok(format!("message {}", self.0))
    }
}

#[tamed]
fn serve(mut ws: Socket) {
    let got = ws.read();
    match got {
        Ok(m) => {
            twait! { tame::asap(mkevent!()); }
            println!("{m}");
        }
        Err(()) => {}
    }
}

fn main() {}
