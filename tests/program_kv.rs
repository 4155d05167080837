//! A line-protocol key-value client with a connection pool, and the server
//! it talks to, written as a user would: `match`/`loop`/labeled breaks,
//! shadowing, early `return`s and `?` all through. The server greets,
//! wants `AUTH`, answers `PING`, `GET`, `SET`, `MGET` (a multi-line reply)
//! and `QUIT`, asks the client to retry a hot key later, and closes a
//! connection after a few requests (so the pool meets stale connections).

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::rc::Rc;
use std::time::Duration;

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

type Log = Rc<RefCell<Vec<String>>>;

fn log(log: &Log, what: impl Into<String>) {
    log.borrow_mut().push(what.into());
}

#[derive(Debug, Clone, PartialEq)]
enum KvError {
    Io(io::ErrorKind),
    Closed,
    Denied,
    Protocol(String),
    Busy(String),
}

impl From<io::Error> for KvError {
    fn from(e: io::Error) -> KvError {
        KvError::Io(e.kind())
    }
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

// ---------------------------------------------------------------- a connection

/// One connection, shared by `Rc`: a stream and the bytes read past the
/// last line.
struct Conn {
    id: u32,
    stream: TcpStream,
    buf: RefCell<Vec<u8>>,
    broken: Cell<bool>,
}

impl Conn {
    /// The next line, without its line end.
    #[tamed]
    fn read_line(self: Rc<Self>) -> Result<String, KvError> {
        let got;
        let buf = self.buf.take();
        twait! { self.stream.read_until(buf, b"\n", 4096, mkevent!(got)); }
        let (mut buf, n) = got;
        let n = match n {
            Ok(0) => {
                self.broken.set(true);
                return Err(KvError::Closed);
            }
            Ok(n) => n,
            Err(e) => {
                self.broken.set(true);
                return Err(e.into());
            }
        };
        let line: Vec<u8> = buf.drain(..n).collect();
        *self.buf.borrow_mut() = buf;
        let line = String::from_utf8(line).map_err(|_| KvError::Protocol("not UTF-8".into()))?;
        Ok(line.trim_end().to_string())
    }

    /// Sends one line.
    #[tamed]
    fn send(self: Rc<Self>, line: String) -> Result<(), KvError> {
        let sent;
        twait! { self.stream.write_all(line + "\n", mkevent!(sent)); }
        let (_line, res): (String, io::Result<()>) = sent;
        if res.is_err() {
            self.broken.set(true);
        }
        Ok(res?)
    }

    /// Sends a command, reads the first line of its reply.
    #[tamed]
    fn call(self: Rc<Self>, cmd: String) -> Result<String, KvError> {
        let sent;
        twait! { self.clone().send(cmd, mkevent!(sent)); }
        sent?;
        let reply;
        twait! { self.read_line(mkevent!(reply)); }
        reply
    }
}

/// Connects, checks the greeting, authenticates.
#[tamed]
fn connect(addr: SocketAddr, token: String, id: u32) -> Result<Rc<Conn>, KvError> {
    let stream;
    twait! { TcpStream::connect(addr, mkevent!(stream)); }
    let conn = Rc::new(Conn {
        id,
        stream: stream?,
        buf: RefCell::new(Vec::new()),
        broken: Cell::new(false),
    });
    let greeting;
    twait! { conn.clone().read_line(mkevent!(greeting)); }
    let greeting = greeting?;
    let version: u32 = match greeting.strip_prefix("HELLO kv") {
        Some(v) => v
            .parse()
            .map_err(|_| KvError::Protocol(format!("greeting {greeting:?}")))?,
        None => return Err(KvError::Protocol(format!("greeting {greeting:?}"))),
    };
    if version != 1 {
        return Err(KvError::Protocol(format!("version {version}")));
    }
    let auth;
    twait! { conn.clone().call(format!("AUTH {token}"), mkevent!(auth)); }
    match auth?.as_str() {
        "OK" => {}
        "ERR denied" => return Err(KvError::Denied),
        other => return Err(KvError::Protocol(other.to_string())),
    }
    Ok(conn)
}

// ---------------------------------------------------------------- the pool

struct Pool {
    addr: SocketAddr,
    token: String,
    idle: RefCell<Vec<Rc<Conn>>>,
    opened: Cell<u32>,
    log: Log,
}

/// A connection lent by the pool; given back on drop unless it broke.
struct Pooled {
    conn: Option<Rc<Conn>>,
    pool: Rc<Pool>,
}

impl Deref for Pooled {
    type Target = Rc<Conn>;
    fn deref(&self) -> &Rc<Conn> {
        self.conn.as_ref().expect("taken only on drop")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("dropped once");
        if conn.broken.get() {
            log(&self.pool.log, format!("discard #{}", conn.id));
        } else {
            log(&self.pool.log, format!("back #{}", conn.id));
            self.pool.idle.borrow_mut().push(conn);
        }
    }
}

impl Pool {
    /// An idle connection that still answers `PING`, or a new one.
    #[tamed]
    fn get(self: Rc<Self>) -> Result<Pooled, KvError> {
        let conn = loop {
            let Some(conn) = self.idle.borrow_mut().pop() else {
                let id = self.opened.get() + 1;
                self.opened.set(id);
                let fresh;
                twait! { connect(self.addr, self.token.clone(), id, mkevent!(fresh)); }
                let fresh = fresh?;
                log(&self.log, format!("open #{id}"));
                break fresh;
            };
            let pong;
            twait! { conn.clone().call("PING".into(), mkevent!(pong)); }
            match pong {
                Ok(p) if p == "PONG" => break conn,
                Ok(other) => return Err(KvError::Protocol(other)),
                Err(_) => {
                    log(&self.log, format!("stale #{}", conn.id));
                    continue;
                }
            }
        };
        log(&self.log, format!("lend #{}", conn.id));
        Ok(Pooled {
            conn: Some(conn),
            pool: self,
        })
    }
}

// ---------------------------------------------------------------- operations

/// `GET key`, retrying while the server says the key is busy.
#[tamed]
fn kv_get(pool: Rc<Pool>, key: &'static str) -> Result<Option<String>, KvError> {
    let mut tries = 0;
    let value = 'attempt: loop {
        tries += 1;
        let conn;
        twait! { pool.clone().get(mkevent!(conn)); }
        let conn = conn?;
        let reply;
        twait! { conn.clone().call(format!("GET {key}"), mkevent!(reply)); }
        let reply = reply?;
        if reply == "NIL" {
            break None;
        }
        let (kind, rest) = reply
            .split_once(' ')
            .map(|(k, r)| (k.to_string(), r.to_string()))
            .unwrap_or_default();
        match kind.as_str() {
            "VAL" => break 'attempt Some(rest),
            "RETRY" if tries < 3 => {
                let ms: u64 = rest.parse().map_err(|_| KvError::Protocol(reply.clone()))?;
                // Give the connection back while waiting.
                drop(conn);
                twait! { tame::timer(Duration::from_millis(ms), mkevent!()); }
                continue 'attempt;
            }
            "RETRY" => return Err(KvError::Busy(key.to_string())),
            _ => return Err(KvError::Protocol(reply)),
        }
    };
    Ok(value)
}

#[tamed]
fn kv_set(pool: Rc<Pool>, key: &'static str, value: String) -> Result<(), KvError> {
    let conn;
    twait! { pool.get(mkevent!(conn)); }
    let conn = conn?;
    let reply;
    twait! { conn.clone().call(format!("SET {key} {value}"), mkevent!(reply)); }
    match reply? {
        ok if ok == "OK" => Ok(()),
        other => Err(KvError::Protocol(other)),
    }
}

/// `MGET k...`: a count line, then one line per key.
#[tamed]
fn kv_mget(pool: Rc<Pool>, keys: Vec<&'static str>) -> Result<Vec<Option<String>>, KvError> {
    let conn;
    twait! { pool.get(mkevent!(conn)); }
    let conn = conn?;
    let head;
    twait! { conn.clone().call(format!("MGET {}", keys.join(" ")), mkevent!(head)); }
    let head = head?;
    let n: usize = match head.strip_prefix("N ").map(str::parse) {
        Some(Ok(n)) if n == keys.len() => n,
        _ => {
            conn.broken.set(true);
            return Err(KvError::Protocol(head));
        }
    };
    let mut values = Vec::with_capacity(n);
    while values.len() < n {
        let line;
        twait! { conn.clone().read_line(mkevent!(line)); }
        let line = line?;
        let value = if line == "NIL" {
            None
        } else if let Some(v) = line.strip_prefix("VAL ") {
            Some(v.to_string())
        } else {
            conn.broken.set(true);
            return Err(KvError::Protocol(line));
        };
        values.push(value);
    }
    Ok(values)
}

// ---------------------------------------------------------------- the server

struct Store {
    token: &'static str,
    data: RefCell<HashMap<String, String>>,
    /// Requests a connection serves before the server closes it.
    max_requests: u32,
    /// `GET hot` answers `RETRY` this many times first.
    hot: Cell<u32>,
}

enum Cmd {
    Auth(String),
    Ping,
    Get(String),
    Set(String, String),
    Mget(Vec<String>),
    Quit,
    Bad(String),
}

fn parse(line: &str) -> Cmd {
    let mut words = line.split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some("AUTH"), Some(t), None) => Cmd::Auth(t.to_string()),
        (Some("PING"), None, _) => Cmd::Ping,
        (Some("GET"), Some(k), None) => Cmd::Get(k.to_string()),
        (Some("SET"), Some(k), Some(v)) => Cmd::Set(k.to_string(), v.to_string()),
        (Some("MGET"), Some(_), _) => Cmd::Mget(line[5..].split(' ').map(String::from).collect()),
        (Some("QUIT"), None, _) => Cmd::Quit,
        _ => Cmd::Bad(line.to_string()),
    }
}

#[tamed]
fn kv_session(store: Rc<Store>, stream: TcpStream) -> Result<u32, KvError> {
    let conn = Rc::new(Conn {
        id: 0,
        stream,
        buf: RefCell::new(Vec::new()),
        broken: Cell::new(false),
    });
    let sent;
    twait! { conn.clone().send("HELLO kv1".into(), mkevent!(sent)); }
    sent?;
    let mut authed = false;
    let mut served = 0;
    'session: loop {
        let line;
        twait! { conn.clone().read_line(mkevent!(line)); }
        let line = match line {
            Ok(line) => line,
            Err(KvError::Closed) => break 'session,
            Err(e) => return Err(e),
        };
        let cmd = parse(&line);
        let reply: Vec<String> = match cmd {
            Cmd::Quit => {
                let sent;
                twait! { conn.clone().send("BYE".into(), mkevent!(sent)); }
                sent?;
                break 'session;
            }
            Cmd::Auth(token) if !authed => {
                if token != store.token {
                    let sent;
                    twait! { conn.clone().send("ERR denied".into(), mkevent!(sent)); }
                    sent?;
                    break 'session;
                }
                authed = true;
                vec!["OK".into()]
            }
            _ if !authed => vec!["ERR auth first".into()],
            Cmd::Auth(_) => vec!["ERR already".into()],
            Cmd::Ping => vec!["PONG".into()],
            Cmd::Get(key) if key == "hot" && store.hot.get() > 0 => {
                store.hot.set(store.hot.get() - 1);
                vec!["RETRY 5".into()]
            }
            Cmd::Get(key) => match store.data.borrow().get(&key) {
                Some(v) => vec![format!("VAL {v}")],
                None => vec!["NIL".into()],
            },
            Cmd::Set(key, value) => {
                store.data.borrow_mut().insert(key, value);
                vec!["OK".into()]
            }
            Cmd::Mget(keys) => {
                let data = store.data.borrow();
                let mut lines = vec![format!("N {}", keys.len())];
                lines.extend(keys.iter().map(|k| match data.get(k) {
                    Some(v) => format!("VAL {v}"),
                    None => "NIL".into(),
                }));
                lines
            }
            Cmd::Bad(what) => vec![format!("ERR bad command {what:?}")],
        };
        let sent;
        twait! { conn.clone().send(reply.join("\n"), mkevent!(sent)); }
        sent?;
        served += 1;
        if served == store.max_requests {
            break;
        }
    }
    Ok(served)
}

/// Serves until the event it handed to `stopper` is triggered, then until
/// its sessions ended; how many requests each session served, in the order
/// the sessions ended.
#[tamed]
fn kv_serve(listener: TcpListener, store: Rc<Store>, stopper: Event<Event>) -> Vec<u32> {
    #[derive(Clone, Copy)]
    enum Wake {
        Accepted,
        Stop,
        Ended(usize),
    }
    let r = Rendezvous::new();
    stopper.trigger(mkevent!(r, Wake::Stop));
    let mut accepted: io::Result<(TcpStream, SocketAddr)> = Err(io::ErrorKind::NotConnected.into());
    listener.accept(mkevent!(r, Wake::Accepted, accepted));
    let mut listening = Some(listener);
    let mut sessions: Vec<Result<u32, KvError>> = Vec::new();
    let mut ended = Vec::new();
    while let Some(wake) = twait!(r) {
        match wake {
            Wake::Accepted => {
                // Also when closing the listener cancelled the accept.
                let Ok((stream, _)) =
                    std::mem::replace(&mut accepted, Err(io::ErrorKind::NotConnected.into()))
                else {
                    continue;
                };
                let i = sessions.len();
                sessions.push(Ok(0));
                kv_session(
                    store.clone(),
                    stream,
                    mkevent!(r, Wake::Ended(i), sessions[i]),
                );
                if let Some(l) = &listening {
                    l.accept(mkevent!(r, Wake::Accepted, accepted));
                }
            }
            Wake::Stop => {
                if let Some(l) = listening.take() {
                    l.close();
                }
            }
            Wake::Ended(i) => ended.push(i),
        }
    }
    ended
        .into_iter()
        .map(|i| sessions[i].clone().unwrap_or(u32::MAX))
        .collect()
}

// ---------------------------------------------------------------- tests

fn catch<T: 'static>() -> (Event<T>, Rc<RefCell<Option<T>>>) {
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    (Event::from_fn(move |v| *g.borrow_mut() = v), got)
}

/// A server and a pool of connections to it.
struct Setup {
    pool: Rc<Pool>,
    store: Rc<Store>,
    stop: Event,
    served: Rc<RefCell<Option<Vec<u32>>>>,
}

fn setup(token: &str, max_requests: u32) -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let store = Rc::new(Store {
        token: "s3cret",
        data: RefCell::new(HashMap::new()),
        max_requests,
        hot: Cell::new(0),
    });
    let (stopper, stop) = catch();
    let (ev, served) = catch();
    kv_serve(listener, store.clone(), stopper, ev);
    let stop = stop
        .take()
        .expect("the server hands out its stop event at once");
    let pool = Rc::new(Pool {
        addr,
        token: token.to_string(),
        idle: RefCell::new(Vec::new()),
        opened: Cell::new(0),
        log: Log::default(),
    });
    Setup {
        pool,
        store,
        stop,
        served,
    }
}

impl Setup {
    /// Starts the client (`start` is given the pool and an event for the
    /// client's value); once its value came back, closes the pool's idle
    /// connections and stops the server. Runs the loop to the end. The
    /// client's value and how many requests each session served.
    fn run<T: 'static>(self, start: impl FnOnce(Rc<Pool>, Event<T>)) -> (T, Vec<u32>) {
        let got = Rc::new(RefCell::new(None));
        let g = got.clone();
        let pool = self.pool.clone();
        let stop = self.stop;
        start(
            self.pool.clone(),
            Event::from_fn(move |v| {
                *g.borrow_mut() = v;
                pool.idle.borrow_mut().clear();
                stop.trigger(());
            }),
        );
        tame::run();
        assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
        let value = got.take().expect("the client's event came back empty");
        let served = self.served.take().expect("the server ended");
        (value, served)
    }
}

/// Sets, gets and multi-gets one after the other; every result.
#[tamed]
fn sequential_app(pool: Rc<Pool>) -> Result<Vec<String>, KvError> {
    let mut out = Vec::new();
    for (k, v) in [("a", "1"), ("b", "2")] {
        let set;
        twait! { kv_set(pool.clone(), k, v.to_string(), mkevent!(set)); }
        set?;
    }
    let a;
    twait! { kv_get(pool.clone(), "a", mkevent!(a)); }
    out.push(format!("a={:?}", a?));
    let zz;
    twait! { kv_get(pool.clone(), "zz", mkevent!(zz)); }
    out.push(format!("zz={:?}", zz?));
    let many;
    twait! { kv_mget(pool.clone(), vec!["b", "zz", "a"], mkevent!(many)); }
    out.push(format!("mget={:?}", many?));
    Ok(out)
}

#[test]
fn sequential_requests_reuse_one_connection_until_the_server_closes_it() {
    on_fresh_loop(|| {
        // The server closes a connection after 4 requests (AUTH and PINGs
        // count): the pool finds it stale at its next PING and opens
        // another.
        let s = setup("s3cret", 4);
        let pool = s.pool.clone();
        let store = s.store.clone();
        let (got, served) = s.run(sequential_app);
        assert_eq!(
            got,
            Ok(vec![
                "a=Some(\"1\")".to_string(),
                "zz=None".to_string(),
                "mget=[Some(\"2\"), None, Some(\"1\")]".to_string(),
            ])
        );
        assert_eq!(store.data.borrow().len(), 2);
        assert_eq!(
            *pool.log.borrow(),
            [
                "open #1", "lend #1", "back #1", // AUTH, SET a
                "lend #1", "back #1", // PING, SET b
                "stale #1", "open #2", "lend #2", "back #2", // AUTH, GET a
                "lend #2", "back #2", // PING, GET zz
                "stale #2", "open #3", "lend #3", "back #3", // AUTH, MGET
            ]
        );
        assert_eq!(served, [4, 4, 2]);
    });
}

/// Gets `keys` all at once.
#[tamed]
fn parallel_gets(pool: Rc<Pool>, keys: Vec<&'static str>) -> Vec<Result<Option<String>, KvError>> {
    let mut results: Vec<_> = keys.iter().map(|_| Ok(None)).collect();
    twait! {
        for (i, key) in keys.iter().enumerate() {
            kv_get(pool.clone(), key, mkevent!(results[i]));
        }
    }
    results
}

#[test]
fn parallel_gets_open_a_connection_each_and_a_busy_key_is_retried() {
    on_fresh_loop(|| {
        let s = setup("s3cret", 100);
        s.store
            .data
            .borrow_mut()
            .insert("hot".into(), "fire".into());
        s.store.data.borrow_mut().insert("x".into(), "10".into());
        s.store.hot.set(2);
        let pool = s.pool.clone();
        let (got, served) = s.run(|pool, ev| parallel_gets(pool, vec!["x", "hot", "y"], ev));
        assert_eq!(
            got,
            [Ok(Some("10".into())), Ok(Some("fire".into())), Ok(None)]
        );
        // Three at once: three connections; the retries of `hot` reuse
        // idle ones.
        assert_eq!(pool.opened.get(), 3);
        let mut served = served;
        served.sort();
        assert_eq!(served.iter().sum::<u32>(), 3 + 3 + 2 + 2);
    });
}

#[test]
fn a_key_busy_for_too_long_and_a_wrong_token_are_errors() {
    on_fresh_loop(|| {
        let s = setup("s3cret", 100);
        s.store.hot.set(5);
        let (got, _) = s.run(|pool, ev| kv_get(pool, "hot", ev));
        assert_eq!(got, Err(KvError::Busy("hot".into())));

        let s = setup("wrong", 100);
        let (got, served) = s.run(|pool, ev| kv_get(pool, "a", ev));
        assert_eq!(got, Err(KvError::Denied));
        assert_eq!(served, [0]);
    });
}
