//! A parallel fetcher, written as a user would: each request is a tamed
//! function returning `Result<String, FetchError>` (a connect, a write and
//! a read under `add_timeout`, errors through `?`), driven sequentially,
//! in a window of outstanding requests, and with retries. The backend is a
//! small tamed server on loopback that answers each request after the
//! delay it asks for, and gives up on a request whose client went away.

#![deny(warnings)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::net::{TcpListener, TcpStream};
use tame::{mkevent, tamed, twait, Event, Rendezvous, Timeout};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

// ---------------------------------------------------------------- backend

/// What the backend knows: values by key, and how often each key was
/// asked for (a key named `flaky<N>` is slow for its first N requests).
#[derive(Default)]
struct Backend {
    hits: RefCell<HashMap<String, u32>>,
    abandoned: Cell<u32>,
}

impl Backend {
    fn answer(&self, key: &str) -> String {
        if key == "missing" {
            return "err no such key".into();
        }
        format!("ok {}", key.to_uppercase())
    }

    /// How long to wait before answering `key`, asked for with `ms`.
    fn delay(&self, key: &str, ms: u64) -> Duration {
        let mut hits = self.hits.borrow_mut();
        let n = hits.entry(key.to_string()).or_default();
        *n += 1;
        match key.strip_prefix("flaky").map(str::parse::<u32>) {
            Some(Ok(slow_for)) if *n <= slow_for => Duration::from_secs(30),
            _ => Duration::from_millis(ms),
        }
    }
}

/// One request: `<ms> <key>\n`, answered after the delay with `ok VALUE`
/// or `err WHY`; if the client closes first, nothing is sent.
#[tamed]
fn handle(backend: Rc<Backend>, conn: TcpStream) {
    let req;
    twait! { conn.read_until(Vec::new(), b"\n", 256, mkevent!(req)); }
    let (buf, n) = req;
    let n = match n {
        Ok(0) | Err(_) => return,
        Ok(n) => n,
    };
    let line = String::from_utf8_lossy(&buf[..n]).trim().to_string();
    let Some((ms, key)) = line.split_once(' ') else {
        return;
    };
    let key = key.to_string();
    let ms = ms.parse().unwrap_or(0);
    let delay = backend.delay(&key, ms);

    #[derive(Debug)]
    enum Wake {
        Due,
        Hangup,
    }
    let r = Rendezvous::new();
    let mut gone = Ok(());
    tame::timer(delay, mkevent!(r, Wake::Due));
    conn.readable(mkevent!(r, Wake::Hangup, gone));
    match twait!(r) {
        Some(Wake::Due) => {
            let sent;
            twait! { conn.write_all(format!("{}\n", backend.answer(&key)), mkevent!(sent)); }
            let (_buf, _res): (String, io::Result<()>) = sent;
        }
        Some(Wake::Hangup) => {
            // A request is one line: readable again means the client closed
            // (or broke the protocol); either way, stop.
            let _ = gone;
            backend.abandoned.set(backend.abandoned.get() + 1);
        }
        None => unreachable!("two events were outstanding"),
    }
}

/// Serves `count` connections, then closes the listener.
#[tamed]
fn backend_serve(listener: TcpListener, backend: Rc<Backend>, count: usize) -> io::Result<()> {
    for _ in 0..count {
        let accepted;
        twait! { listener.accept(mkevent!(accepted)); }
        let (conn, _peer) = accepted?;
        handle(backend.clone(), conn);
    }
    Ok(())
}

// ---------------------------------------------------------------- fetcher

#[derive(Debug, Clone, PartialEq)]
enum FetchError {
    Timeout,
    Io(io::ErrorKind),
    Server(String),
    BadReply(String),
    NotRun,
}

impl From<io::Error> for FetchError {
    fn from(e: io::Error) -> FetchError {
        FetchError::Io(e.kind())
    }
}

impl From<Timeout> for FetchError {
    fn from(_: Timeout) -> FetchError {
        FetchError::Timeout
    }
}

macro_rules! bail {
    ($e:expr) => {
        return Err($e.into())
    };
}

#[derive(Debug, Clone)]
struct Request {
    key: String,
    delay_ms: u64,
}

fn req(key: &str, delay_ms: u64) -> Request {
    Request {
        key: key.to_string(),
        delay_ms,
    }
}

/// Fetches one key: connect, send the request, read the reply within
/// `timeout`.
#[tamed]
fn fetch_one(addr: SocketAddr, req: Request, timeout: Duration) -> Result<String, FetchError> {
    let conn;
    twait! { TcpStream::connect(addr, mkevent!(conn)); }
    let conn = conn?;
    let sent;
    twait! { conn.write_all(format!("{} {}\n", req.delay_ms, req.key), mkevent!(sent)); }
    let (_request, written): (String, io::Result<()>) = sent;
    written?;
    let reply;
    twait! {
        conn.read_until(Vec::new(), b"\n", 256, tame::add_timeout(timeout, mkevent!(reply)));
    }
    // `conn` is used after the wait so it lives until the read ends; see
    // the README's rules on receivers in twait blocks.
    conn.close();
    let (buf, n) = reply?;
    let n = n?;
    if n == 0 {
        bail!(FetchError::BadReply("closed".into()));
    }
    let text = String::from_utf8_lossy(&buf[..n]).trim_end().to_string();
    match text.split_once(' ') {
        Some(("ok", value)) => Ok(value.to_string()),
        Some(("err", why)) => Err(FetchError::Server(why.to_string())),
        _ => bail!(FetchError::BadReply(text)),
    }
}

/// One after the other; the first error ends it.
#[tamed]
fn fetch_sequential(
    addr: SocketAddr,
    reqs: Vec<Request>,
    timeout: Duration,
) -> Result<Vec<String>, FetchError> {
    let mut values = Vec::with_capacity(reqs.len());
    for req in reqs {
        let res;
        twait! { fetch_one(addr, req, timeout, mkevent!(res)); }
        values.push(res?);
    }
    Ok(values)
}

/// What a windowed fetch reports.
#[derive(Debug)]
struct Report {
    results: Vec<Result<String, FetchError>>,
    /// Indices in the order the fetches ended.
    ended: Vec<usize>,
    /// Most fetches outstanding at once.
    peak: usize,
}

/// At most `window` fetches outstanding; every result, in request order.
#[tamed]
fn fetch_windowed(
    addr: SocketAddr,
    reqs: Vec<Request>,
    window: usize,
    timeout: Duration,
) -> Report {
    let r = Rendezvous::<usize>::new();
    let mut results: Vec<Result<String, FetchError>> =
        reqs.iter().map(|_| Err(FetchError::NotRun)).collect();
    let mut ended = Vec::new();
    let mut peak = 0;
    let mut pending = reqs.into_iter().enumerate();
    loop {
        while r.pending() < window {
            let Some((i, req)) = pending.next() else {
                break;
            };
            fetch_one(addr, req, timeout, mkevent!(r, i, results[i]));
        }
        peak = peak.max(r.pending());
        let Some(i) = twait!(r) else { break };
        ended.push(i);
    }
    Report {
        results,
        ended,
        peak,
    }
}

/// All at once; the values, or the first error to come back (the other
/// fetches are abandoned: their results are dropped).
#[tamed]
fn fetch_all_or_first_error(
    addr: SocketAddr,
    reqs: Vec<Request>,
    timeout: Duration,
) -> Result<Vec<String>, FetchError> {
    let r = Rendezvous::<usize>::new();
    let mut results: Vec<Result<String, FetchError>> = Vec::new();
    for (i, req) in reqs.into_iter().enumerate() {
        results.push(Err(FetchError::NotRun));
        fetch_one(addr, req, timeout, mkevent!(r, i, results[i]));
    }
    while let Some(i) = twait!(r) {
        if let Err(e) = &results[i] {
            r.cancel();
            return Err(e.clone());
        }
    }
    results.into_iter().collect()
}

/// Retries a fetch that timed out, up to `tries` attempts in all; the
/// value and the attempts it took.
#[tamed]
fn fetch_retry(
    addr: SocketAddr,
    req: Request,
    timeout: Duration,
    tries: u32,
) -> Result<(String, u32), FetchError> {
    let mut attempt = 0;
    let value = loop {
        attempt += 1;
        let res;
        twait! { fetch_one(addr, req.clone(), timeout, mkevent!(res)); }
        match res {
            Ok(v) => break v,
            Err(FetchError::Timeout) if attempt < tries => continue,
            Err(e) => return Err(e),
        }
    };
    Ok((value, attempt))
}

// ---------------------------------------------------------------- tests

/// Starts a backend for `connections` connections; runs `client` with its
/// address and an event for the client's value; runs the loop; the value,
/// the backend and how long it all took.
fn with_backend<T: 'static>(
    connections: usize,
    client: impl FnOnce(SocketAddr, Event<T>),
) -> (T, Rc<Backend>, Duration) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let backend = Rc::new(Backend::default());
    let served = Rc::new(Cell::new(None));
    let s = served.clone();
    backend_serve(
        listener,
        backend.clone(),
        connections,
        Event::from_fn(move |v: Option<io::Result<()>>| s.set(Some(v.unwrap().is_ok()))),
    );
    let got = Rc::new(RefCell::new(None));
    let g = got.clone();
    let start = Instant::now();
    client(addr, Event::from_fn(move |v| *g.borrow_mut() = v));
    tame::run();
    let took = start.elapsed();
    assert_eq!(
        served.get(),
        Some(true),
        "the backend did not serve them all"
    );
    assert!(tame::blocked().is_empty(), "{:?}", tame::blocked());
    let value = got.take().expect("the client's event came back empty");
    (value, backend, took)
}

const TIMEOUT: Duration = Duration::from_millis(300);

#[test]
fn sequential_fetches_return_values_in_order_and_stop_at_the_first_error() {
    on_fresh_loop(|| {
        let reqs = vec![req("a", 5), req("b", 1), req("c", 0)];
        let (values, _, _) = with_backend(3, |addr, ev| fetch_sequential(addr, reqs, TIMEOUT, ev));
        assert_eq!(values, Ok(vec!["A".into(), "B".into(), "C".into()]));

        let reqs = vec![req("a", 0), req("missing", 0), req("never", 0)];
        let (values, backend, _) =
            with_backend(2, |addr, ev| fetch_sequential(addr, reqs, TIMEOUT, ev));
        assert_eq!(values, Err(FetchError::Server("no such key".into())));
        assert_eq!(backend.hits.borrow().get("never"), None);
    });
}

#[test]
fn a_window_keeps_at_most_w_fetches_outstanding_and_a_slow_one_times_out() {
    on_fresh_loop(|| {
        let reqs = vec![
            req("a", 40),
            req("b", 10),
            req("flaky1", 0), // slow: times out
            req("c", 20),
            req("missing", 0),
            req("d", 0),
            req("e", 30),
        ];
        let n = reqs.len();
        let (report, backend, took) =
            with_backend(n, |addr, ev| fetch_windowed(addr, reqs, 3, TIMEOUT, ev));
        assert_eq!(
            report.results,
            [
                Ok("A".into()),
                Ok("B".into()),
                Err(FetchError::Timeout),
                Ok("C".into()),
                Err(FetchError::Server("no such key".into())),
                Ok("D".into()),
                Ok("E".into()),
            ]
        );
        assert_eq!(report.peak, 3);
        let mut ended = report.ended.clone();
        ended.sort();
        assert_eq!(ended, (0..n).collect::<Vec<_>>());
        // The timed-out fetch closed its connection; the backend noticed
        // and did not keep the loop running for its 30 s delay.
        assert_eq!(backend.abandoned.get(), 1);
        assert!(took < Duration::from_secs(10), "took {took:?}");
    });
}

#[test]
fn the_first_error_of_parallel_fetches_is_returned_and_the_rest_abandoned() {
    on_fresh_loop(|| {
        let reqs = vec![req("a", 200), req("missing", 0), req("b", 250)];
        let (res, backend, _) = with_backend(3, |addr, ev| {
            fetch_all_or_first_error(addr, reqs, TIMEOUT, ev)
        });
        assert_eq!(res, Err(FetchError::Server("no such key".into())));
        assert_eq!(backend.hits.borrow().len(), 3);

        let reqs = vec![req("a", 20), req("b", 0)];
        let (res, _, _) = with_backend(2, |addr, ev| {
            fetch_all_or_first_error(addr, reqs, TIMEOUT, ev)
        });
        assert_eq!(res, Ok(vec!["A".into(), "B".into()]));
    });
}

#[test]
fn a_timed_out_fetch_is_retried_until_it_answers() {
    on_fresh_loop(|| {
        // Long beside the answer the third attempt gets at once: a loaded
        // machine's stall would make it time out too, and the backend
        // takes three connections only.
        let timeout = Duration::from_millis(250);
        let (res, backend, _) = with_backend(3, |addr, ev| {
            fetch_retry(addr, req("flaky2", 0), timeout, 5, ev)
        });
        assert_eq!(res, Ok(("FLAKY2".into(), 3)));
        assert_eq!(backend.abandoned.get(), 2);

        let (res, _, _) = with_backend(2, |addr, ev| {
            fetch_retry(addr, req("flaky5", 0), timeout, 2, ev)
        });
        assert_eq!(res, Err(FetchError::Timeout));
    });
}
