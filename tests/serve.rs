//! `nudge serve` end to end: the real binary on an ephemeral loopback port,
//! over a temporary copy of `tests/fixtures/arbitration`, driven by a tiny
//! HTTP/1.1 client. Every route, every error status, hot reload (good and
//! bad rules) under concurrent requests, SIGHUP, and graceful shutdown.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const NOW: &str = "2026-11-23T12:00:00Z";

// ---------------------------------------------------------------- a server

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
    log: Arc<Mutex<String>>,
}

/// A fresh copy of the fixture ruleset in its own temporary directory.
fn rules_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arbitration");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

impl Server {
    fn start(name: &str, extra: &[&str]) -> Server {
        let dir = rules_copy(name);
        let mut child = Command::new(env!("CARGO_BIN_EXE_nudge"))
            .arg("serve")
            .arg("--rules")
            .arg(&dir)
            .args(["--addr", "127.0.0.1:0", "--max-body", "64KiB"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drain stderr (the logs) so the server never blocks on a full pipe.
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let Some(addr) = first.trim().strip_prefix("listening on http://") else {
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&dir);
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "the server did not start: {first:?}\n{}",
                log.lock().unwrap()
            );
        };
        let addr = addr.parse().unwrap();
        Server {
            child,
            addr,
            dir,
            log,
        }
    }

    fn rules_file(&self) -> PathBuf {
        self.dir.join("rules.nudge")
    }

    fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }

    fn post(&self, path: &str, body: &Value) -> Response {
        request(
            self.addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    fn hash(&self) -> String {
        let r = self.get("/v1/ruleset");
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["hash"].as_str().unwrap().to_owned()
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits for the server process to exit, or fails with `what` after
    /// `limit`.
    fn exit_status(&mut self, what: &str, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < limit, "{what}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `check` holds, polling, or fails after `limit`.
    fn wait_until(&self, what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
        let start = Instant::now();
        while !check() {
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {what}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Replaces a file in one step (write aside, rename), as deploy tools do.
fn replace(path: &Path, text: &str) {
    let aside = path.with_extension("tmp");
    std::fs::write(&aside, text).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

// ---------------------------------------------------------------- a client

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", self.body))
            .to_owned()
    }
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    // The server may answer (413) before reading the whole body: keep going.
    let _ = stream.write_all(&bytes);
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A reset after the answer (the server did not read all of a too-large body).
            Err(_) if !raw.is_empty() => break,
            Err(e) => panic!("reading the response: {e}"),
        }
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

// ---------------------------------------------------------------- customers

/// A customer who signed up this morning: `welcome` sends.
fn newcomer(id: &str) -> Value {
    json!({
        "id": id, "plan": "pro", "signed_up_at": "2026-11-23T08:00:00Z",
        "last_seen_at": "2026-11-23T10:00:00Z", "vip": false, "open_tickets": 0,
        "email_opt_in": true, "seats": 20, "frozen": false, "first_name": "Ada",
        "events": {"logged_in": ["2026-11-23T10:00:00Z"]}
    })
}

fn outcome<'a>(decisions: &'a Value, rule: &str) -> &'a Value {
    decisions
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no decision for {rule} in {decisions}"))
}

// ---------------------------------------------------------------- tests

#[test]
fn routes_and_errors() {
    let server = Server::start("routes", &[]);

    // GET /healthz
    let r = server.get("/healthz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");

    // GET /v1/ruleset
    let r = server.get("/v1/ruleset");
    assert_eq!(r.status, 200);
    let info = r.json();
    let hash = info["hash"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);
    assert_eq!(info["files"][0]["name"], "rules.nudge");
    assert!(info["rules"]
        .as_array()
        .unwrap()
        .contains(&json!("welcome")));
    assert!(info["loaded_at"].as_str().unwrap().ends_with('Z'));
    assert!(info["last_reload_error"].is_null());

    // POST /v1/evaluate
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("c1"), "now": NOW}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-nudge-ruleset"), Some(hash.as_str()));
    let body = r.json();
    assert_eq!(body["ruleset"], hash.as_str());
    assert_eq!(body["now"], NOW);
    let welcome = outcome(&body["decisions"], "welcome");
    assert_eq!(welcome["outcome"], "send");
    assert_eq!(welcome["params"]["name"], "Ada");
    let send_id = welcome["decision_id"].as_str().unwrap().to_owned();
    assert!(body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["outcome"] != "no_match"));

    // The same inputs give the same decision id; `now` in any offset is UTC.
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("c1"), "now": "2026-11-23T13:00:00+01:00"}),
    );
    let body = r.json();
    assert_eq!(body["now"], NOW);
    assert_eq!(
        outcome(&body["decisions"], "welcome")["decision_id"],
        send_id.as_str()
    );

    // explain: no_match decisions too.
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("c1"), "now": NOW, "explain": true}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        outcome(&r.json()["decisions"], "binge")["outcome"],
        "no_match"
    );

    // Default `now`: the current time, to the second, in UTC.
    let r = server.post("/v1/evaluate", &json!({"customer": newcomer("c2")}));
    assert_eq!(r.status, 200);
    let now = r.json()["now"].as_str().unwrap().to_owned();
    assert!(now.ends_with('Z') && !now.contains('.'), "{now}");

    // 400: malformed JSON, with line and column.
    let r = request(
        server.addr,
        "POST",
        "/v1/evaluate",
        &[],
        b"{\"customer\":\n  {\"id\": \"x\",}}",
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let body = r.json();
    assert_eq!(body["line"], 2);
    assert!(body["column"].as_u64().unwrap() > 0);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON"),
        "{body}"
    );

    // 422: JSON, but not an evaluation request.
    let r = server.post("/v1/evaluate", &json!({"id": "c1"}));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.error().contains("customer"), "{}", r.body);

    // 422: a snapshot that does not fit the schema names the attribute.
    let mut gold = newcomer("c3");
    gold["plan"] = json!("gold");
    let r = server.post("/v1/evaluate", &json!({"customer": gold, "now": NOW}));
    assert_eq!(r.status, 422, "{}", r.body);
    let body = r.json();
    assert_eq!(body["customer"], "c3");
    assert!(body["error"].as_str().unwrap().contains("plan"), "{body}");
    assert!(
        body["problems"][0].as_str().unwrap().contains("plan"),
        "{body}"
    );

    // 422: not a customer at all (no id).
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": {"plan": "pro"}, "now": NOW}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.error().contains("id"), "{}", r.body);

    // 422: a bad `now`.
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("c1"), "now": "yesterday"}),
    );
    assert_eq!(r.status, 422);
    assert!(r.error().contains("RFC 3339"));

    // 413: over --max-body (64 KiB here).
    let mut big = newcomer("big");
    big["first_name"] = json!("x".repeat(70 * 1024));
    let r = server.post("/v1/evaluate", &json!({"customer": big, "now": NOW}));
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["limit"], 65536);

    // 404 and 405, as JSON.
    let r = server.get("/v2/evaluate");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/v2/evaluate"));
    let r = server.get("/v1/evaluate");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    assert!(r.error().contains("GET"));
    let r = server.post("/healthz", &json!({}));
    assert_eq!(r.status, 405);

    // POST /v1/evaluate/batch: one output line per input line.
    let mut gold = newcomer("b3");
    gold["plan"] = json!("gold");
    let input = format!(
        "{}\nnot json\n{}\r\n\n{}",
        newcomer("b1"),
        gold,
        newcomer("b5") // the last line has no newline
    );
    let r = request(
        server.addr,
        "POST",
        &format!("/v1/evaluate/batch?now={NOW}"),
        &[("Content-Type", "application/x-ndjson")],
        input.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(r.header("x-nudge-ruleset"), Some(hash.as_str()));
    assert_eq!(r.header("x-nudge-now"), Some(NOW));
    let lines: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{}", r.body);
    assert_eq!(outcome(&lines[0], "welcome")["outcome"], "send");
    assert_eq!(outcome(&lines[0], "welcome")["customer"], "b1");
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"].as_str().unwrap().contains("column"),
        "{}",
        lines[1]
    );
    // A snapshot that does not fit the schema: every rule `error` (as `nudge eval`).
    assert!(lines[2]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["outcome"] == "error"));
    assert!(outcome(&lines[2], "welcome")["reason"]
        .as_str()
        .unwrap()
        .contains("plan"));
    // A blank line is skipped, as by `nudge eval`: not evaluated, not an
    // error, and still answered by a line so positions keep matching.
    assert_eq!(lines[3], json!({"line": 4, "skipped": "blank line"}));
    assert_eq!(outcome(&lines[4], "welcome")["customer"], "b5");

    // batch with explain, and a bad query.
    let r = request(
        server.addr,
        "POST",
        &format!("/v1/evaluate/batch?now={NOW}&explain=true"),
        &[],
        newcomer("b6").to_string().as_bytes(),
    );
    assert_eq!(r.status, 200);
    let line: Value = serde_json::from_str(r.body.trim()).unwrap();
    assert_eq!(outcome(&line, "binge")["outcome"], "no_match");
    let r = request(
        server.addr,
        "POST",
        "/v1/evaluate/batch?explain=maybe",
        &[],
        b"",
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let r = request(server.addr, "POST", "/v1/evaluate/batch?now=soon", &[], b"");
    assert_eq!(r.status, 422, "{}", r.body);

    // A batch line over --max-body ends the batch with an error line.
    let long = format!("{}\n{}\n", newcomer("ok"), "x".repeat(70 * 1024));
    let r = request(
        server.addr,
        "POST",
        "/v1/evaluate/batch",
        &[],
        long.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let lines: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.body);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("--max-body"));

    // GET /metrics, in the Prometheus text format.
    let r = server.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let m = r.body;
    for needle in [
        "nudge_http_requests_total{route=\"/v1/evaluate\",method=\"POST\",status=\"200\"} 4",
        "nudge_http_requests_total{route=\"/v1/evaluate\",method=\"POST\",status=\"413\"} 1",
        "nudge_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
        "nudge_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"+Inf\"}",
        "nudge_http_request_duration_seconds_count{route=\"/v1/evaluate/batch\"}",
        "# TYPE nudge_http_request_duration_seconds histogram",
        "nudge_decisions_total{outcome=\"error\"}",
        "nudge_decisions_total{outcome=\"no_match\"}",
        "nudge_ruleset_reloads_total 0",
        "nudge_ruleset_reload_failures_total 0",
    ] {
        assert!(m.contains(needle), "missing {needle} in\n{m}");
    }
    assert!(m.contains(&format!("nudge_ruleset_info{{hash=\"{hash}\"}} 1")));
    let sends: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("nudge_decisions_total{outcome=\"send\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(sends >= 5, "{m}");

    // The logs carry the decision ids of sends.
    server.wait_until("the send in the logs", Duration::from_secs(5), || {
        server.log().contains(&send_id)
    });
}

#[test]
fn bearer_token_and_timeout() {
    let token_dir = rules_copy("token");
    let token_file = token_dir.join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let server = Server::start(
        "auth",
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "--timeout",
            "1s",
        ],
    );
    let bearer = |t: &str| format!("Bearer {t}");

    // /healthz needs no token; everything else does.
    assert_eq!(server.get("/healthz").status, 200);
    let r = server.get("/v1/ruleset");
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    assert!(r.error().contains("token"));
    assert_eq!(server.get("/metrics").status, 401);
    assert_eq!(server.get("/nowhere").status, 401);
    let wrong = bearer("s3cret-tokem");
    let r = request(
        server.addr,
        "GET",
        "/v1/ruleset",
        &[("Authorization", &wrong)],
        b"",
    );
    assert_eq!(r.status, 401);
    let right = bearer("s3cret-token");
    let r = request(
        server.addr,
        "GET",
        "/v1/ruleset",
        &[("Authorization", &right)],
        b"",
    );
    assert_eq!(r.status, 200);
    let body = json!({"customer": newcomer("t1"), "now": NOW}).to_string();
    let r = request(
        server.addr,
        "POST",
        "/v1/evaluate",
        &[("Authorization", &right)],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let r = request(server.addr, "POST", "/v1/evaluate", &[], body.as_bytes());
    assert_eq!(r.status, 401);

    // 408: a body that never comes.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {right}\r\nContent-Length: 100\r\n\r\n{{\"customer\":"
    )
    .unwrap();
    let started = Instant::now();
    let r = read_response(&mut stream);
    assert_eq!(r.status, 408, "{}", r.body);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(r.error().contains("--timeout"));

    let _ = std::fs::remove_dir_all(token_dir);
}

#[test]
fn refuses_to_listen_beyond_loopback_without_a_token() {
    let dir = rules_copy("insecure");
    let out = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(["serve", "--addr", "0.0.0.0:0", "--rules"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without --token-file"),
        "{stderr}"
    );

    // Rules with errors: the server does not start.
    std::fs::write(dir.join("broken.nudge"), "rule broken {\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(["serve", "--addr", "127.0.0.1:0", "--rules"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hot_reload_under_concurrent_requests() {
    let server = Server::start("reload", &[]);
    let original = std::fs::read_to_string(server.rules_file()).unwrap();
    let h0 = server.hash();

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let (stop, done, seen, failures) =
                (stop.clone(), done.clone(), seen.clone(), failures.clone());
            let addr = server.addr;
            std::thread::spawn(move || {
                let body =
                    json!({"customer": newcomer(&format!("load{i}")), "now": NOW}).to_string();
                while !stop.load(Ordering::Relaxed) {
                    let r = request(addr, "POST", "/v1/evaluate", &[], body.as_bytes());
                    if r.status == 200 {
                        let body = r.json();
                        assert_eq!(outcome(&body["decisions"], "welcome")["outcome"], "send");
                        seen.lock()
                            .unwrap()
                            .insert(body["ruleset"].as_str().unwrap().to_owned());
                    } else {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{} {}", r.status, r.body));
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    server.wait_until("the first requests", Duration::from_secs(5), || {
        done.load(Ordering::Relaxed) > 20
    });

    // A good change: the new ruleset is swapped in.
    replace(
        &server.rules_file(),
        &original.replace("priority 90", "priority 95"),
    );
    let mut h1 = h0.clone();
    server.wait_until("the new ruleset", Duration::from_secs(10), || {
        h1 = server.hash();
        h1 != h0
    });
    let info = server.get("/v1/ruleset").json();
    assert!(info["last_reload_error"].is_null(), "{info}");
    let before = done.load(Ordering::Relaxed);
    server.wait_until("requests on the new rules", Duration::from_secs(5), || {
        done.load(Ordering::Relaxed) > before + 20
    });

    // A broken change: refused; the old ruleset keeps serving.
    std::fs::write(
        server.rules_file(),
        format!("{original}\nrule broken {{\n  when vip\n"),
    )
    .unwrap();
    server.wait_until("the refused reload", Duration::from_secs(10), || {
        !server.get("/v1/ruleset").json()["last_reload_error"].is_null()
    });
    let info = server.get("/v1/ruleset").json();
    assert_eq!(info["hash"], h1.as_str());
    let failure = &info["last_reload_error"];
    assert_eq!(failure["trigger"], "file change");
    assert!(
        failure["message"].as_str().unwrap().contains("error"),
        "{failure}"
    );
    assert_eq!(failure["diagnostics"][0]["file"], "rules.nudge");
    assert!(failure["diagnostics"][0]["line"].as_u64().unwrap() > 0);
    let before = done.load(Ordering::Relaxed);
    server.wait_until("requests after the refusal", Duration::from_secs(5), || {
        done.load(Ordering::Relaxed) > before + 20
    });

    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    eprintln!(
        "{} requests during the reloads",
        done.load(Ordering::Relaxed)
    );
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed requests: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|h| *h == h0 || *h == h1), "{seen:?}");
    assert!(seen.contains(&h1));
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("after"), "now": NOW}),
    );
    assert_eq!(r.json()["ruleset"], h1.as_str());

    let m = server.get("/metrics").body;
    assert!(
        m.contains("nudge_ruleset_reload_failures_total 1")
            || m.contains("nudge_ruleset_reload_failures_total 2"),
        "{m}"
    );
    assert!(!m.contains("nudge_ruleset_reloads_total 0\n"), "{m}");
    assert!(m.contains("nudge_ruleset_last_reload_failed 1"), "{m}");
    assert!(m.contains(&format!("nudge_ruleset_info{{hash=\"{h1}\"}} 1")));
    assert!(server.log().contains("reload refused"));

    // Fixed again: the error clears.
    replace(&server.rules_file(), &original);
    server.wait_until("the original rules", Duration::from_secs(10), || {
        server.hash() == h0
    });
    assert!(server.get("/v1/ruleset").json()["last_reload_error"].is_null());
}

#[test]
fn sighup_reloads() {
    let server = Server::start("sighup", &["--no-watch"]);
    let h0 = server.hash();
    let original = std::fs::read_to_string(server.rules_file()).unwrap();
    replace(
        &server.rules_file(),
        &original.replace("priority 90", "priority 91"),
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(server.hash(), h0, "--no-watch reloaded on a file change");
    server.signal("HUP");
    server.wait_until("the SIGHUP reload", Duration::from_secs(10), || {
        server.hash() != h0
    });

    std::fs::write(server.rules_file(), "rule {").unwrap();
    server.signal("HUP");
    server.wait_until("the refused reload", Duration::from_secs(10), || {
        !server.get("/v1/ruleset").json()["last_reload_error"].is_null()
    });
    assert_eq!(
        server.get("/v1/ruleset").json()["last_reload_error"]["trigger"],
        "SIGHUP"
    );
}

#[test]
fn sigterm_finishes_requests_in_flight() {
    let mut server = Server::start("shutdown", &[]);
    // A batch whose body arrives in two parts, with SIGTERM in between.
    let first = format!("{}\n", newcomer("s1"));
    let second = format!("{}\n", newcomer("s2"));
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /v1/evaluate/batch?now={NOW} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{first}",
        first.len() + second.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    server.wait_until("the shutdown to begin", Duration::from_secs(5), || {
        server.log().contains("shutting down")
    });
    // New connections are refused (the listener is closed) ...
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "still accepting after SIGTERM"
    );
    // ... but the request in flight is finished.
    stream.write_all(second.as_bytes()).unwrap();
    let r = read_response(&mut stream);
    assert_eq!(r.status, 200);
    let lines: Vec<Value> = r
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.body);
    assert_eq!(outcome(&lines[1], "welcome")["customer"], "s2");

    let status = server.exit_status("the server did not exit", Duration::from_secs(10));
    assert!(status.success(), "{status:?}\n{}", server.log());
}

/// A rule nested as deep as `check` accepts loads on the server's reload
/// (a 2 MiB tokio worker, where 160 parentheses once overflowed its stack);
/// one nested deeper is refused and the old ruleset keeps serving.
#[test]
fn deeply_nested_rules_reload_or_are_refused_without_taking_the_server_down() {
    let server = Server::start("deep", &["--no-watch"]);
    let h0 = server.hash();
    let deep = |n: usize| {
        format!(
            "rule deep {{\n  when {}vip{}\n  send push \"deep\"\n  cooldown 1 day\n}}\n",
            "(".repeat(n),
            ")".repeat(n)
        )
    };
    let extra = server.dir.join("deep.nudge");
    std::fs::write(&extra, deep(nudge::syntax::MAX_DEPTH - 1)).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .arg("check")
        .arg(&server.dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    server.signal("HUP");
    server.wait_until("the deep reload", Duration::from_secs(20), || {
        server.hash() != h0
    });
    let h1 = server.hash();
    assert!(server.get("/v1/ruleset").json()["last_reload_error"].is_null());

    std::fs::write(&extra, deep(1_000)).unwrap();
    server.signal("HUP");
    server.wait_until("the refused reload", Duration::from_secs(20), || {
        !server.get("/v1/ruleset").json()["last_reload_error"].is_null()
    });
    let info = server.get("/v1/ruleset").json();
    assert!(
        info["last_reload_error"]
            .to_string()
            .contains("nested deeper than"),
        "{info}"
    );
    assert_eq!(server.hash(), h1, "the old ruleset keeps serving");
    let r = server.post(
        "/v1/evaluate",
        &json!({"customer": newcomer("after-deep"), "now": NOW}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

/// How a connection the client keeps open ends: `true` when the server
/// closes it (end of stream or reset), `false` when it is still open after
/// `limit` (a hang guard, far above the timeouts under test).
fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    while start.elapsed() < limit {
        if server_closed(stream, &mut buf) {
            return true;
        }
    }
    false
}

/// One read with the stream's short timeout: whether the server has
/// closed the connection (end of stream or a reset).
fn server_closed(stream: &mut TcpStream, buf: &mut [u8]) -> bool {
    match stream.read(buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Sends a request head one byte at a time, 10 bytes a second, never
/// finishing it; returns once the server has closed the connection (or
/// after `limit`).
fn trickle(addr: SocketAddr, limit: Duration) -> bool {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        .iter()
        .chain(std::iter::repeat(&b'x'));
    let start = Instant::now();
    let mut buf = [0u8; 64];
    for byte in head {
        if start.elapsed() > limit {
            return false;
        }
        if stream.write_all(&[*byte]).is_err() || server_closed(&mut stream, &mut buf) {
            return true;
        }
    }
    false
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// Slowloris: connections that send nothing, or trickle a request head,
/// are closed once `--header-timeout` has passed; a kept-alive connection
/// is closed after `--idle-timeout` without a request; meanwhile another
/// client's requests all succeed.
#[test]
fn idle_and_trickling_connections_are_closed_while_others_are_served() {
    let server = Server::start(
        "slowloris",
        &[
            "--header-timeout",
            "1s",
            "--idle-timeout",
            "1500ms",
            "--max-connections",
            "100",
        ],
    );
    let limit = Duration::from_secs(30);
    let addr = server.addr;
    let mut idle: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let tricklers: Vec<_> = (0..10)
        .map(|_| std::thread::spawn(move || trickle(addr, limit)))
        .collect();
    let client = std::thread::spawn(move || {
        (0..20)
            .map(|i| {
                let body = json!({"customer": newcomer(&format!("k{i}")), "now": NOW});
                let r = request(
                    addr,
                    "POST",
                    "/v1/evaluate",
                    &[("Content-Type", "application/json")],
                    body.to_string().as_bytes(),
                );
                std::thread::sleep(Duration::from_millis(50));
                r.status
            })
            .collect::<Vec<u16>>()
    });
    // A kept-alive connection: two requests, then silence.
    let mut kept = TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    for _ in 0..2 {
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = kept.read(&mut buf).unwrap();
        assert!(
            buf[..n].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    for stream in &mut idle {
        assert!(
            closed_by_server(stream, limit),
            "an idle connection is still open"
        );
    }
    for t in tricklers {
        assert!(t.join().unwrap(), "a trickling connection is still open");
    }
    assert!(
        closed_by_server(&mut kept, limit),
        "the kept-alive connection is still open"
    );
    let statuses = client.join().unwrap();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    let text = server.get("/metrics").body;
    assert_eq!(
        metric(
            &text,
            "nudge_http_connections_closed_total{reason=\"header_timeout\"}"
        ),
        30.0
    );
    assert_eq!(
        metric(
            &text,
            "nudge_http_connections_closed_total{reason=\"idle_timeout\"}"
        ),
        1.0
    );
    // Only the connection asking for the metrics is left open (the last
    // client connection may take a moment to be counted as closed).
    server.wait_until("the other connections to close", limit, || {
        metric(&server.get("/metrics").body, "nudge_http_connections_open") == 1.0
    });
}

/// Shutdown does not wait for connections that are not answering a
/// request: with a header timeout of 10 minutes and a grace period of over
/// a minute, idle and half-sent connections would otherwise hold it.
#[test]
fn sigterm_closes_idle_connections_at_once() {
    let mut server = Server::start(
        "shutdown-idle",
        &[
            "--header-timeout",
            "10m",
            "--idle-timeout",
            "10m",
            "--timeout",
            "60s",
        ],
    );
    let mut idle: Vec<TcpStream> = (0..10)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    let mut half = TcpStream::connect(server.addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let mut kept = TcpStream::connect(server.addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = kept.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(200));

    server.signal("TERM");
    let status = server.exit_status(
        "idle connections held the shutdown",
        Duration::from_secs(30),
    );
    assert!(status.success(), "{status:?}\n{}", server.log());
    for stream in idle.iter_mut().chain([&mut half, &mut kept]) {
        assert!(closed_by_server(stream, Duration::from_secs(5)));
    }
}
