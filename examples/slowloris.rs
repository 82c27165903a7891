//! A slowloris attack on a running `nudge serve`, driven by
//! `bench/slowloris.sh`: opens IDLE connections that send nothing and
//! TRICKLE connections that send a request head one byte every 200 ms and
//! never finish it, while a client POSTs BODY to `/v1/evaluate` ten times
//! a second. Prints how many attack connections the server closed and
//! after how long, and the client's successes. Then opens the same attack
//! again, sends SIGTERM to PID and prints how long the server took to exit.
//!
//! usage: slowloris ADDR PID BODY_FILE [IDLE TRICKLE]
//!
//! Only the standard library: one thread per trickling connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Give up on a connection after this long (it counts as still open).
const LIMIT: Duration = Duration::from_secs(120);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: slowloris ADDR PID BODY_FILE [IDLE TRICKLE]");
        std::process::exit(2);
    }
    let addr: SocketAddr = args[1].parse().expect("ADDR is HOST:PORT");
    let pid = args[2].clone();
    let body = std::fs::read(&args[3]).expect("cannot read BODY_FILE");
    let idle: usize = args.get(4).map_or(200, |n| n.parse().expect("IDLE"));
    let trickle: usize = args.get(5).map_or(50, |n| n.parse().expect("TRICKLE"));

    // ---------------------------------------------------------- timeouts
    let start = Instant::now();
    let attack = Attack::open(addr, idle, trickle);
    println!(
        "opened {idle} idle + {trickle} trickling connections in {:.2}s",
        start.elapsed().as_secs_f64()
    );
    let done = Arc::new(AtomicBool::new(false));
    let client = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || client(addr, &body, &done))
    };
    let (idle_closed, trickle_closed) = attack.wait_closed();
    done.store(true, Ordering::Relaxed);
    let (ok, sent, slowest) = client.join().unwrap();
    report("idle", idle, &idle_closed);
    report("trickling", trickle, &trickle_closed);
    println!(
        "client: {ok}/{sent} requests succeeded during the attack (slowest {:.0} ms)",
        slowest.as_secs_f64() * 1000.0
    );

    // ---------------------------------------------------------- shutdown
    let attack = Attack::open(addr, idle, trickle);
    std::thread::sleep(Duration::from_millis(500));
    let open = attack.open_now();
    let start = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success();
    assert!(killed, "cannot signal {pid}");
    while alive(&pid) && start.elapsed() < LIMIT {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "shutdown: SIGTERM with {open} idle or trickling connections open; the server exited after {:.3}s",
        start.elapsed().as_secs_f64()
    );
    attack.stop.store(true, Ordering::Relaxed);
}

/// Whether process `pid` still exists (not yet reaped counts as gone:
/// `kill -0` fails on a zombie only once it is reaped, so read its state).
fn alive(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

struct Attack {
    idle: Vec<(Instant, TcpStream)>,
    tricklers: Vec<std::thread::JoinHandle<Option<Duration>>>,
    stop: Arc<AtomicBool>,
}

impl Attack {
    fn open(addr: SocketAddr, idle: usize, trickle: usize) -> Attack {
        let stop = Arc::new(AtomicBool::new(false));
        let idle = (0..idle)
            .map(|_| {
                let s = TcpStream::connect(addr).expect("connect");
                s.set_nonblocking(true).unwrap();
                (Instant::now(), s)
            })
            .collect();
        let tricklers = (0..trickle)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || trickle_one(addr, &stop))
            })
            .collect();
        Attack {
            idle,
            tricklers,
            stop,
        }
    }

    /// How many idle connections are open now (trickling ones are assumed open).
    fn open_now(&self) -> usize {
        self.idle.iter().filter(|(_, s)| !is_closed(s)).count() + self.tricklers.len()
    }

    /// Waits until every connection is closed by the server (or LIMIT);
    /// returns when each was closed, measured from its connect.
    fn wait_closed(self) -> (Vec<Option<Duration>>, Vec<Option<Duration>>) {
        let mut idle: Vec<Option<Duration>> = vec![None; self.idle.len()];
        let start = Instant::now();
        while idle.iter().any(Option::is_none) && start.elapsed() < LIMIT {
            for (i, (opened, stream)) in self.idle.iter().enumerate() {
                if idle[i].is_none() && is_closed(stream) {
                    idle[i] = Some(opened.elapsed());
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // Each trickling connection ends when the server closes it (or LIMIT).
        let trickling = self
            .tricklers
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        (idle, trickling)
    }
}

/// Whether the server has closed a non-blocking stream.
fn is_closed(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 256];
    match (&*stream).read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

/// One trickling connection: a byte of a never-ending head every 200 ms;
/// returns when the server closed it, measured from the connect.
fn trickle_one(addr: SocketAddr, stop: &AtomicBool) -> Option<Duration> {
    let stream = TcpStream::connect(addr).expect("connect");
    let opened = Instant::now();
    stream.set_nonblocking(true).unwrap();
    let head = b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nX-Slow: "
        .iter()
        .chain(std::iter::repeat(&b'a'));
    for byte in head {
        if stop.load(Ordering::Relaxed) || opened.elapsed() > LIMIT {
            return None;
        }
        if (&stream).write_all(&[*byte]).is_err() || is_closed(&stream) {
            return Some(opened.elapsed());
        }
        // Check for the close often, send rarely.
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(10));
            if is_closed(&stream) {
                return Some(opened.elapsed());
            }
        }
    }
    None
}

/// POSTs `body` ten times a second until `done`; returns (succeeded, sent,
/// slowest answer).
fn client(addr: SocketAddr, body: &[u8], done: &AtomicBool) -> (usize, usize, Duration) {
    let (mut ok, mut sent, mut slowest) = (0, 0, Duration::ZERO);
    while !done.load(Ordering::Relaxed) {
        let start = Instant::now();
        sent += 1;
        if post(addr, body).is_some_and(|status| status == 200) {
            ok += 1;
        }
        slowest = slowest.max(start.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    (ok, sent, slowest)
}

/// One `POST /v1/evaluate` on a new connection; the status.
fn post(addr: SocketAddr, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let head = format!(
        "POST /v1/evaluate HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1)?.parse().ok()
}

/// One line per kind of connection: how many closed, and when.
fn report(kind: &str, opened: usize, closed: &[Option<Duration>]) {
    let mut times: Vec<f64> = closed.iter().flatten().map(Duration::as_secs_f64).collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{kind}: {}/{opened} closed by the server, after {:.2}s min, {:.2}s median, {:.2}s max",
        times.len(),
        at(0.0),
        at(0.5),
        at(1.0)
    );
}
