//! A chat room over `tame::net`, written as a user would: one tamed
//! session per connection, a room shared through `Rc`, broadcasts written
//! to every member at once, a membership guard that announces the leave
//! when the session ends (however it ends), and an accept loop that stops
//! once the room empties. The clients are tamed too, each playing a script.

#![deny(warnings)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

const MAX_LINE: usize = 1024;

// ---------------------------------------------------------------- lines

/// Reads newline-terminated lines from a shared connection, keeping what
/// arrived after the line for the next call.
struct LineReader {
    conn: Rc<TcpStream>,
    buf: Vec<u8>,
}

impl LineReader {
    fn new(conn: Rc<TcpStream>) -> LineReader {
        LineReader {
            conn,
            buf: Vec::new(),
        }
    }

    /// The next line without its newline, `None` at a clean end of stream.
    /// Gives the reader back (it owns the leftover bytes).
    #[tamed]
    fn next_line(mut self) -> (LineReader, io::Result<Option<String>>) {
        let got;
        twait! {
            self.conn.read_until(std::mem::take(&mut self.buf), b"\n", MAX_LINE, mkevent!(got));
        }
        let (mut buf, n) = got;
        let n = match n {
            Ok(0) => {
                self.buf = buf;
                return (self, Ok(None));
            }
            Ok(n) => n,
            Err(e) => return (self, Err(e)),
        };
        let line: Vec<u8> = buf.drain(..n).collect();
        self.buf = buf;
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        (self, Ok(Some(line)))
    }
}

/// Writes `line` and a newline.
#[tamed]
fn send_line(conn: Rc<TcpStream>, line: String) -> io::Result<()> {
    let sent;
    twait! { conn.write_all(format!("{line}\n"), mkevent!(sent)); }
    let (_buf, res) = sent;
    res
}

// ---------------------------------------------------------------- server

#[derive(Debug)]
enum ChatError {
    Io(io::ErrorKind),
    Protocol(String),
}

impl From<io::Error> for ChatError {
    fn from(e: io::Error) -> ChatError {
        ChatError::Io(e.kind())
    }
}

impl fmt::Display for ChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatError::Io(k) => write!(f, "i/o: {k:?}"),
            ChatError::Protocol(why) => write!(f, "protocol: {why}"),
        }
    }
}

struct Room {
    members: RefCell<BTreeMap<String, Rc<TcpStream>>>,
    /// Fires when the last member leaves.
    empty: RefCell<Option<Event>>,
}

impl Room {
    fn here(&self) -> String {
        let members = self.members.borrow();
        members.keys().cloned().collect::<Vec<_>>().join(" ")
    }

    /// Sends `line` to every member but `from`, all writes at once; the
    /// number of members that got it. (A member whose socket buffer is
    /// full while another broadcast's write to it still waits misses the
    /// line: its write gets `ResourceBusy`, counted as not reached. The
    /// lines here are short and the clients read; a server for clients
    /// that may lag gives each member one writer task fed by a `Channel`,
    /// as the recipes show.)
    #[tamed]
    fn broadcast(self: Rc<Self>, from: Option<String>, line: String) -> usize {
        let targets: Vec<Rc<TcpStream>> = self
            .members
            .borrow()
            .iter()
            .filter(|(nick, _)| Some(nick.as_str()) != from.as_deref())
            .map(|(_, conn)| conn.clone())
            .collect();
        let bytes: Rc<[u8]> = format!("{line}\n").into_bytes().into();
        let mut sent: Vec<(Rc<[u8]>, io::Result<()>)> = targets
            .iter()
            .map(|_| (bytes.clone(), Err(io::ErrorKind::NotConnected.into())))
            .collect();
        twait! {
            for (i, conn) in targets.iter().enumerate() {
                conn.write_all(bytes.clone(), mkevent!(sent[i]));
            }
        }
        sent.iter().filter(|(_, res)| res.is_ok()).count()
    }
}

/// Held while a nick is in the room: leaving (at the end of the session,
/// by `?` or by `return` as much as by `/quit`) takes it out and tells the
/// others.
struct Membership {
    room: Rc<Room>,
    nick: String,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.room.members.borrow_mut().remove(&self.nick);
        self.room.clone().broadcast(
            None,
            format!("* {} left", self.nick),
            Event::from_fn(|_| {}),
        );
        if self.room.members.borrow().is_empty() {
            if let Some(ev) = self.room.empty.take() {
                ev.trigger(());
            }
        }
    }
}

/// One connection: `NICK name`, then lines to the room, `/who`, `/quit`.
/// Returns the nick, once the member left.
#[tamed]
fn session(room: Rc<Room>, conn: TcpStream) -> Result<String, ChatError> {
    let conn = Rc::new(conn);
    let mut reader = LineReader::new(conn.clone());
    let got;
    twait! { reader.next_line(mkevent!(got)); }
    let (rest, first) = got;
    reader = rest;
    let nick = match first?.as_deref().and_then(|l| l.strip_prefix("NICK ")) {
        Some(n) if n.is_empty() || n.contains(' ') => {
            return Err(ChatError::Protocol(format!("bad nick {n:?}")))
        }
        Some(n) if room.members.borrow().contains_key(n) => {
            let n = n.to_string();
            let sent;
            twait! { send_line(conn.clone(), format!("! nick {n} is taken"), mkevent!(sent)); }
            sent?;
            return Err(ChatError::Protocol(format!("{n} taken")));
        }
        Some(n) => n.to_string(),
        None => return Err(ChatError::Protocol("no NICK".into())),
    };
    room.members.borrow_mut().insert(nick.clone(), conn.clone());
    let _member = Membership {
        room: room.clone(),
        nick: nick.clone(),
    };
    let mut reached = 0;
    let mut sent = Ok(());
    twait! {
        send_line(conn.clone(), format!("* welcome {nick}, here: {}", room.here()), mkevent!(sent));
        room.clone().broadcast(Some(nick.clone()), format!("* {nick} joined"), mkevent!(reached));
    }
    sent?;
    assert_eq!(reached, room.members.borrow().len() - 1);

    loop {
        let got;
        twait! { reader.next_line(mkevent!(got)); }
        let (rest, line) = got;
        reader = rest;
        let Some(line) = line? else { break };
        match line.as_str() {
            "/quit" => {
                let sent;
                twait! { send_line(conn.clone(), format!("* bye {nick}"), mkevent!(sent)); }
                sent?;
                break;
            }
            "/who" => {
                let sent;
                twait! { send_line(conn.clone(), format!("* here: {}", room.here()), mkevent!(sent)); }
                sent?;
            }
            text => {
                twait! {
                    room.clone().broadcast(Some(nick.clone()), format!("<{nick}> {text}"), mkevent!(reached));
                }
            }
        }
    }
    Ok(nick)
}

#[derive(Debug)]
enum Wake {
    Accepted,
    Empty,
    Ended(usize),
}

/// Accepts connections until the room, once joined, is empty again; then
/// waits for the sessions left. The sessions' outcomes in the order they
/// ended.
#[tamed]
fn serve(listener: TcpListener, room: Rc<Room>) -> io::Result<Vec<Result<String, String>>> {
    let r = Rendezvous::<Wake>::new();
    *room.empty.borrow_mut() = Some(mkevent!(r, Wake::Empty));
    let mut listener = Some(listener);
    // A value to keep: closing the listener drops the accept's event.
    let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
    listener
        .as_ref()
        .unwrap()
        .accept(mkevent!(r, Wake::Accepted, accepted));
    let mut outcomes: Vec<Result<String, ChatError>> = Vec::new();
    let mut ended = Vec::new();
    while let Some(wake) = twait!(r) {
        match wake {
            // Closing the listener cancelled the accept.
            Wake::Accepted if listener.is_none() => {}
            Wake::Accepted => {
                let (conn, _peer) =
                    std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into()))?;
                let i = outcomes.len();
                outcomes.push(Err(ChatError::Protocol("running".into())));
                session(room.clone(), conn, mkevent!(r, Wake::Ended(i), outcomes[i]));
                listener
                    .as_ref()
                    .unwrap()
                    .accept(mkevent!(r, Wake::Accepted, accepted));
            }
            Wake::Empty => {
                if let Some(l) = listener.take() {
                    l.close();
                }
            }
            Wake::Ended(i) => ended.push(i),
        }
    }
    Ok(ended
        .into_iter()
        .map(|i| match &outcomes[i] {
            Ok(nick) => Ok(nick.clone()),
            Err(e) => Err(e.to_string()),
        })
        .collect())
}

// ---------------------------------------------------------------- clients

#[derive(Clone, Copy)]
enum Step {
    /// Send this line.
    Say(&'static str),
    /// Read lines until this one.
    Hear(&'static str),
}

/// Connects as `nick`, triggers `joined` once the server answered the
/// nick, plays `script`, then reads until the server closes. Every line
/// heard, in order.
#[tamed]
fn client(
    addr: SocketAddr,
    nick: &'static str,
    script: Vec<Step>,
    joined: Event,
) -> io::Result<Vec<String>> {
    let conn;
    twait! { TcpStream::connect(addr, mkevent!(conn)); }
    let conn = Rc::new(conn?);
    let mut reader = LineReader::new(conn.clone());
    let mut heard = Vec::new();
    let sent;
    twait! { send_line(conn.clone(), format!("NICK {nick}"), mkevent!(sent)); }
    sent?;
    let got;
    twait! { reader.next_line(mkevent!(got)); }
    let (rest, first) = got;
    reader = rest;
    heard.extend(first?);
    joined.trigger(());

    for step in script {
        match step {
            Step::Say(text) => {
                let sent;
                twait! { send_line(conn.clone(), text.to_string(), mkevent!(sent)); }
                sent?;
            }
            Step::Hear(want) => loop {
                let got;
                twait! { reader.next_line(mkevent!(got)); }
                let (rest, line) = got;
                reader = rest;
                let Some(line) = line? else {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{nick}: closed before {want:?}"),
                    ));
                };
                heard.push(line.clone());
                if line == want {
                    break;
                }
            },
        }
    }
    'drain: loop {
        let got;
        twait! { reader.next_line(mkevent!(got)); }
        let (rest, line) = got;
        reader = rest;
        match line? {
            Some(line) => heard.push(line),
            None => break 'drain,
        }
    }
    Ok(heard)
}

type Transcript = io::Result<Vec<String>>;

/// Starts the clients one after the other (each once the previous one
/// joined, so that who hears what is deterministic); their transcripts.
#[tamed]
fn scenario(addr: SocketAddr) -> [Transcript; 4] {
    use Step::{Hear, Say};
    let done = Rendezvous::<&'static str>::new();
    let mallory;
    // Slots of `done`'s events need a value first (filled at `twait!(done)`).
    let mut alice: Transcript = Ok(Vec::new());
    let mut bob: Transcript = Ok(Vec::new());
    let mut carol: Transcript = Ok(Vec::new());
    let alice_script = vec![
        Hear("* carol joined"),
        Say("hi all"),
        Hear("<carol> hey alice"),
        Hear("* bob left"),
        Say("/who"),
        Hear("* here: alice carol"),
        Say("bye carol"),
        Hear("* carol left"),
        Say("/quit"),
    ];
    twait! { client(addr, "alice", alice_script, mkevent!(), mkevent!(done, "alice", alice)); }
    let bob_script = vec![
        Hear("<alice> hi all"),
        Hear("<carol> hey alice"),
        Say("/quit"),
    ];
    twait! { client(addr, "bob", bob_script, mkevent!(), mkevent!(done, "bob", bob)); }
    // Taken nick: refused, and closed. Waited for to the end, so that the
    // server's list of outcomes is deterministic.
    twait! { client(addr, "alice", Vec::new(), mkevent!(), mkevent!(mallory)); }
    let carol_script = vec![
        Hear("<alice> hi all"),
        Say("hey alice"),
        Hear("* bob left"),
        Hear("<alice> bye carol"),
        Say("/quit"),
    ];
    twait! { client(addr, "carol", carol_script, mkevent!(), mkevent!(done, "carol", carol)); }
    let mut order = Vec::new();
    while let Some(who) = twait!(done) {
        order.push(who);
    }
    assert_eq!(order, ["bob", "carol", "alice"]);
    [alice, bob, mallory, carol]
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_chat_room_with_joins_broadcasts_who_and_leaves() {
    on_fresh_loop(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let room = Rc::new(Room {
            members: RefCell::new(BTreeMap::new()),
            empty: RefCell::new(None),
        });
        let served = Rc::new(RefCell::new(None));
        let transcripts = Rc::new(RefCell::new(None));
        {
            let served = served.clone();
            serve(
                listener,
                room.clone(),
                Event::from_fn(move |v| *served.borrow_mut() = v),
            );
            let transcripts = transcripts.clone();
            scenario(addr, Event::from_fn(move |v| *transcripts.borrow_mut() = v));
        }
        tame::run();
        assert!(tame::blocked().is_empty());

        let [alice, bob, mallory, carol] = transcripts.take().expect("scenario ended");
        assert_eq!(
            alice.unwrap(),
            lines(&[
                "* welcome alice, here: alice",
                "* bob joined",
                "* carol joined",
                "<carol> hey alice",
                "* bob left",
                "* here: alice carol",
                "* carol left",
                "* bye alice",
            ])
        );
        assert_eq!(
            bob.unwrap(),
            lines(&[
                "* welcome bob, here: alice bob",
                "* carol joined",
                "<alice> hi all",
                "<carol> hey alice",
                "* bye bob",
            ])
        );
        assert_eq!(mallory.unwrap(), lines(&["! nick alice is taken"]));
        assert_eq!(
            carol.unwrap(),
            lines(&[
                "* welcome carol, here: alice bob carol",
                "<alice> hi all",
                "* bob left",
                "<alice> bye carol",
                "* bye carol",
            ])
        );
        let served = served.take().expect("server ended").unwrap();
        assert_eq!(
            served,
            [
                Err("protocol: alice taken".to_string()),
                Ok("bob".to_string()),
                Ok("carol".to_string()),
                Ok("alice".to_string()),
            ]
        );
        assert_eq!(Rc::strong_count(&room), 1, "a session kept the room");
        assert!(room.members.borrow().is_empty());
    });
}
