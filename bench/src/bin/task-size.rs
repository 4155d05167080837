//! task-size: the one allocation a task costs, tame's `#[tamed]` call next
//! to the same body as an `async fn` spawned on tokio's `LocalSet`.
//!
//! ```text
//! cd bench && cargo build --release --bin task-size
//! target/release/task-size                       # tokio's side only
//! target/release/task-size ../target/release/examples   # and tame's side
//! ```
//!
//! **tokio's side** is measured in this process: a counting global
//! allocator records the allocations `tokio::task::spawn_local` makes for
//!
//! * `multidns_win`: `examples/multidns.rs`'s `multidns_win` (the paper's
//!   figure 4) written as an `async fn`: an unbounded mpsc channel is the
//!   rendezvous (a sender clone with the index of the answer's place is the
//!   event), the answers are returned instead of triggered;
//! * `serve_shared`: `tokio-http --buffer shared`'s connection task (knot's
//!   design on tokio; `src/bin/tokio-http.rs`, included here as a module),
//!   spawned for a real loopback connection that then asks for one page.
//!
//! Each line gives the future's size (`size_of_val`) and the sizes of the
//! allocations `spawn_local` made (the task: tokio's header, scheduler,
//! future and trailer; on x86_64 tokio aligns a task to 128 bytes).
//!
//! **tame's side** (with a directory of built root examples, `knot` and
//! `multidns`, as argument) is read from the real binaries under valgrind's
//! DHAT (`valgrind` must be installed; the examples cannot be linked into
//! this crate, and their tamed functions are private): `knot` serves one
//! keep-alive request and is then sent SIGTERM; `multidns --delay 1` runs
//! its table. The line gives the size of the allocation made by
//! `tame::task::start` for the tamed function (DHAT names the task's type,
//! `RcInner<TaskCell<..knot::serve..>>`): the `Rc` counts, the task header
//! and the state closure. The same command works on the examples of any
//! checkout (`target/release/examples` of an older commit), as it needs no
//! code in them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::spawn_local;

#[path = "tokio-http.rs"]
#[allow(dead_code)] // its main and per-connection-buffer server are not used here
mod tokio_http;

// ---- the counting allocator ------------------------------------------------

/// Records the layouts of this thread's allocations while on (the first 16).
struct Recording;

const KEPT: usize = 16;

thread_local! {
    static SIZES: Cell<[(usize, usize); KEPT]> = const { Cell::new([(0, 0); KEPT]) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static ON: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator; the bookkeeping only touches
// const-initialized thread-locals (no allocation, no reentrancy).
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.with(Cell::get) {
            let n = COUNT.with(Cell::get);
            if n < KEPT {
                SIZES.with(|s| {
                    let mut a = s.get();
                    a[n] = (layout.size(), layout.align());
                    s.set(a);
                });
            }
            COUNT.with(|c| c.set(n + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Recording = Recording;

/// The (size, alignment) of each allocation `f` makes, in order.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, Vec<(usize, usize)>) {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    let r = f();
    ON.with(|o| o.set(false));
    let n = COUNT.with(Cell::get).min(KEPT);
    (r, SIZES.with(|s| s.get()[..n].to_vec()))
}

/// One result line: the future, and what spawning it allocated.
fn report(name: &str, future: usize, allocs: &[(usize, usize)]) {
    let task = allocs.iter().map(|&(s, _)| s).max().unwrap_or(0);
    let all: Vec<String> = allocs
        .iter()
        .map(|&(s, a)| format!("{s} (align {a})"))
        .collect();
    println!(
        "tokio {name}: task {task} bytes; future {future} bytes; spawn_local allocated [{}]",
        all.join(", ")
    );
}

// ---- multidns_win as an async fn --------------------------------------------

type LookupResult = Result<Vec<IpAddr>, String>;

/// The lookup the async `multidns_win` calls. Like `gethost_ev` it answers
/// later (here after 1 ms) through what it was given: a sender of the
/// rendezvous channel and the index of the answer's place.
fn gethost(name: String, id: usize, r: mpsc::UnboundedSender<(usize, LookupResult)>) {
    spawn_local(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let answer = if name.is_empty() {
            Err(format!("{name}: empty name"))
        } else {
            Ok(vec![IpAddr::from([127, 0, 0, 1])])
        };
        let _ = r.send((id, answer));
    });
}

/// `examples/multidns.rs`'s `multidns_win` (figure 4), line for line, as an
/// `async fn`: at most `window` lookups outstanding.
async fn multidns_win(names: Vec<String>, window: usize) -> Vec<LookupResult> {
    let mut sent = 0usize;
    let mut recv = 0usize;
    let mut a: Vec<LookupResult> = names.iter().map(|n| Err(n.clone())).collect();
    let (tx, mut r) = mpsc::unbounded_channel();
    while recv < names.len() {
        if sent < names.len() && sent - recv < window {
            gethost(names[sent].clone(), sent, tx.clone());
            sent += 1;
        } else {
            if let Some((i, v)) = r.recv().await {
                a[i] = v;
            }
            recv += 1;
        }
    }
    a
}

// ---- tokio's side -------------------------------------------------------------

/// A directory with `index.html`, for the file servers; removed on drop.
struct Site(PathBuf);

impl Site {
    fn new() -> Site {
        let dir = std::env::temp_dir().join(format!("task-size-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        std::fs::write(dir.join("index.html"), "<p>task-size</p>\n").expect("index.html");
        Site(dir)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const REQUEST: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: task-size\r\n\r\n";

fn tokio_side(site: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        // Spawn and finish one task first: the LocalSet's queue and the
        // runtime's lists have then made their first allocations.
        spawn_local(async {}).await.expect("an empty task");

        let names: Vec<String> = (0..4).map(|i| format!("n{i}.example")).collect();
        let fut = multidns_win(names, 2);
        let future = std::mem::size_of_val(&fut);
        let (handle, allocs) = allocations(|| spawn_local(fut));
        let answers = handle.await.expect("multidns_win");
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        report("multidns_win (async fn)", future, &allocs);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (stream, _) = listener.accept().await.expect("accept");
        let shared = Rc::new(tokio_http::Site {
            root: site.to_path_buf(),
            idle: Some(Duration::from_millis(tame_bench::DEFAULT_IDLE_MS)),
            files: RefCell::new(HashMap::new()),
        });
        let scratch = Rc::new(RefCell::new(vec![0u8; tame_bench::READ_BUF]));
        let fut = tokio_http::serve_shared(stream, shared, scratch);
        let future = std::mem::size_of_val(&fut);
        let (handle, allocs) = allocations(|| spawn_local(fut));
        client.write_all(REQUEST).await.expect("request");
        let mut head = [0u8; 15];
        client.read_exact(&mut head).await.expect("response");
        assert_eq!(&head, b"HTTP/1.1 200 OK", "serve_shared answered");
        drop(client);
        handle.await.expect("serve_shared");
        report("serve_shared (tokio-http --buffer shared)", future, &allocs);
    });
}

// ---- tame's side, under DHAT ---------------------------------------------------

/// Runs `cmd` under DHAT; `drive` gets its stdout and may talk to it; the
/// profile is returned once it exits.
fn dhat(out: &Path, cmd: &[&str], drive: impl FnOnce(&mut std::process::Child)) -> Json {
    let mut child = Command::new("valgrind")
        .args(["--tool=dhat", "--num-callers=60"])
        .arg(format!("--dhat-out-file={}", out.display()))
        .args(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("valgrind");
    drive(&mut child);
    let status = child.wait().expect("wait");
    let text = std::fs::read_to_string(out)
        .unwrap_or_else(|e| panic!("no DHAT profile from {cmd:?} ({status}): {e}"));
    let _ = std::fs::remove_file(out);
    Json::parse(&text).expect("DHAT's profile is JSON")
}

/// The sizes of the blocks allocated where a stack frame names all of
/// `words`, as (bytes per block, blocks).
fn blocks_at(profile: &Json, words: &[&str]) -> Vec<(f64, f64)> {
    let frames = profile.get("ftbl").and_then(Json::array).unwrap_or(&[]);
    let hit: Vec<bool> = frames
        .iter()
        .map(|f| {
            f.string()
                .is_some_and(|s| words.iter().all(|w| s.contains(w)))
        })
        .collect();
    let mut found = Vec::new();
    for pp in profile.get("pps").and_then(Json::array).unwrap_or(&[]) {
        let here = pp
            .get("fs")
            .and_then(Json::array)
            .unwrap_or(&[])
            .iter()
            .filter_map(Json::number)
            .any(|i| hit.get(i as usize).copied().unwrap_or(false));
        if here {
            let tb = pp.get("tb").and_then(Json::number).unwrap_or(0.0);
            let tbk = pp.get("tbk").and_then(Json::number).unwrap_or(0.0);
            if tbk > 0.0 {
                found.push((tb / tbk, tbk));
            }
        }
    }
    found
}

fn tame_report(name: &str, bin: &Path, found: &[(f64, f64)]) {
    let cells: Vec<String> = found
        .iter()
        .map(|(size, n)| format!("{size} bytes x {n}"))
        .collect();
    println!(
        "tame {name}: task {} ({} under DHAT)",
        if cells.is_empty() {
            "not found".to_owned()
        } else {
            cells.join(", ")
        },
        bin.display()
    );
}

fn tame_side(examples: &Path, site: &Path) {
    if Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map_or(true, |s| !s.success())
    {
        println!("tame: valgrind is not installed; tame's side skipped");
        return;
    }
    let tmp = std::env::temp_dir();
    let pid = std::process::id();

    let knot = examples.join("knot");
    let root = site.to_str().expect("a UTF-8 temporary path");
    let profile = dhat(
        &tmp.join(format!("task-size-knot-{pid}.json")),
        &[
            knot.to_str().expect("UTF-8 path"),
            "--root",
            root,
            "--port",
            "0",
        ],
        |child| {
            let mut out = BufReader::new(child.stdout.take().expect("stdout"));
            let mut addr = String::new();
            out.read_line(&mut addr).expect("knot prints its address");
            let mut conn = std::net::TcpStream::connect(addr.trim()).expect("connect to knot");
            conn.write_all(REQUEST).expect("request");
            let mut head = [0u8; 15];
            conn.read_exact(&mut head).expect("response");
            assert_eq!(&head, b"HTTP/1.1 200 OK", "knot answered");
            // Idle a moment (the connection waits for its next request),
            // then shut knot down with the connection still open.
            std::thread::sleep(Duration::from_millis(500));
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success(), "kill -TERM knot");
            drop(conn);
        },
    );
    tame_report(
        "serve (knot)",
        &knot,
        &blocks_at(&profile, &["TaskCell<", "knot::serve::"]),
    );

    let multidns = examples.join("multidns");
    let profile = dhat(
        &tmp.join(format!("task-size-multidns-{pid}.json")),
        &[multidns.to_str().expect("UTF-8 path"), "--delay", "1"],
        |child| {
            let mut sink = String::new();
            let _ = child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut sink);
        },
    );
    tame_report(
        "multidns_win (multidns)",
        &multidns,
        &blocks_at(&profile, &["TaskCell<", "multidns::multidns_win::"]),
    );
}

fn main() {
    let examples = match std::env::args().nth(1).as_deref() {
        Some("-h" | "--help") => {
            println!("usage: task-size [DIR]   (DIR: built root examples, e.g. ../target/release/examples)");
            return;
        }
        Some(dir) => Some(PathBuf::from(dir)),
        None => None,
    };
    let site = Site::new();
    tokio_side(&site.0);
    if let Some(dir) = examples {
        tame_side(&dir, &site.0);
    }
}

// ---- just enough JSON for DHAT's profile -------------------------------------

enum Json {
    Null,
    Bool,
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Option<Json> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.s.len()).then_some(v)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(v) => Some(v),
            _ => None,
        }
    }

    fn string(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let ok = self.s.get(self.i) == Some(&b);
        if ok {
            self.i += 1;
        }
        ok
    }

    fn literal(&mut self, word: &str, v: Json) -> Option<Json> {
        self.s[self.i..].starts_with(word.as_bytes()).then(|| {
            self.i += word.len();
            v
        })
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut fields = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Object(fields));
                }
                loop {
                    self.ws();
                    let Json::String(k) = self.value()? else {
                        return None;
                    };
                    if !self.eat(b':') {
                        return None;
                    }
                    fields.push((k, self.value()?));
                    if self.eat(b'}') {
                        return Some(Json::Object(fields));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(b']') {
                        return Some(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool),
            b'f' => self.literal("false", Json::Bool),
            b'n' => self.literal("null", Json::Null),
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .parse()
                    .ok()
                    .map(Json::Number)
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let b = *self.s.get(self.i)?;
            self.i += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                                .unwrap_or('\u{fffd}');
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }
}
