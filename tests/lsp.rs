//! `nudge lsp` end to end: the tests start the server as a process and speak
//! JSON-RPC to it over stdio, as an editor does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long a test waits for one message before failing (not a timing
/// assertion: a hung server would otherwise hang the test).
const PATIENCE: Duration = Duration::from_secs(60);

/// A copy of a ruleset in a fresh temporary directory.
fn ruleset_copy(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// A copy of the example ruleset `rules/` (its `.nudge` files).
fn example_copy(name: &str) -> PathBuf {
    let files: Vec<(String, String)> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "nudge"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    ruleset_copy(name, &refs)
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A running `nudge lsp` and the messages it sent that no one asked for yet.
struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    pending: VecDeque<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nudge"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            pending: VecDeque::new(),
            next_id: 0,
        };
        let init = server.request("initialize", json!({"capabilities": {}, "processId": null}));
        assert!(init["capabilities"]["hoverProvider"].as_bool().unwrap());
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(PATIENCE)
            .expect("the server answered nothing")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.pending.push_back(message);
        }
    }

    /// The diagnostics published for `uri` at `version` or later.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"].as_i64().unwrap_or(-1) >= version
        };
        if let Some(i) = self.pending.iter().position(matches) {
            let m = self.pending.remove(i).unwrap();
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let message = self.next();
            if matches(&message) {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push_back(message);
        }
    }

    /// The code actions offered at `range` for `diagnostic`.
    fn code_actions(&mut self, path: &Path, range: &Value, diagnostic: &Value) -> Value {
        self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(path)}, "range": range, "context": {"diagnostics": [diagnostic]}}),
        )
    }

    fn open(&mut self, path: &Path, version: i64) -> Vec<Value> {
        let text = std::fs::read_to_string(path).unwrap();
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "nudge", "version": version, "text": text}}),
        );
        self.diagnostics(&uri, version)
    }

    fn change(&mut self, path: &Path, version: i64, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri(path), "version": version},
                "contentChanges": [{"range": range, "text": text}],
            }),
        );
    }

    fn at(&mut self, method: &str, path: &Path, line: u32, character: u32) -> Value {
        let mut params = json!({
            "textDocument": {"uri": uri(path)},
            "position": {"line": line, "character": character},
        });
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        self.request(method, params)
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "nudge lsp exited with {status}");
    }
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// Line and column (0-based) of the first occurrence of `needle`.
fn find(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}

const SMALL_SCHEMA: &str = "schema {\n  plan: \"trial\" | \"pro\"\n  first_name: string?\n  event imported_data\n}\npolicy { channels email consent email when true }\n";
/// A copy of a ruleset of [`SMALL_SCHEMA`] and `rules`: the path of its
/// `rules.nudge`.
fn small_ruleset(name: &str, rules: &str) -> PathBuf {
    ruleset_copy(
        name,
        &[("schema.nudge", SMALL_SCHEMA), ("rules.nudge", rules)],
    )
    .join("rules.nudge")
}

const SMALL_RULE: &str =
    "rule welcome {\n  when plann == \"trial\"\n  send email \"welcome\"\n  cooldown 7 days\n}\n";

#[test]
fn a_typo_is_reported_with_its_range_and_fixed_by_the_quick_fix_then_goes_away() {
    let rules = small_ruleset("typo", SMALL_RULE);
    let mut server = Server::start();
    let diagnostics = server.open(&rules, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "nudge::unknown_name");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"], range(1, 7, 1, 12));
    assert_eq!(
        d["message"],
        "unknown name `plann`\nhelp: did you mean `plan`?"
    );

    let actions = server.code_actions(&rules, &range(1, 8, 1, 8), d);
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["title"], "replace with plan");
    let edits = &action["edit"]["changes"][uri(&rules)];
    assert_eq!(edits[0]["range"], range(1, 7, 1, 12));
    assert_eq!(edits[0]["newText"], "plan");

    // Apply the fix as the editor would: the diagnostic goes.
    server.change(&rules, 2, range(1, 7, 1, 12), "plan");
    assert_eq!(server.diagnostics(&uri(&rules), 2), Vec::<Value>::new());
    server.stop();
}

#[test]
fn warnings_and_related_places_are_reported() {
    let rules =
        "segment a = b\nsegment b = a\nrule r {\n  when plan == \"pro\"\n  send email \"m\"\n}\n";
    let path = small_ruleset("related", rules);
    let mut server = Server::start();
    let diagnostics = server.open(&path, 1);
    let cycle = diagnostics
        .iter()
        .find(|d| d["code"] == "nudge::cycle")
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    let related = cycle["relatedInformation"].as_array().unwrap();
    assert!(!related.is_empty());
    assert_eq!(related[0]["location"]["uri"], uri(&path));
    server.stop();
}

#[test]
fn hover_shows_an_attributes_type_and_doc_comment() {
    let dir = example_copy("hover");
    let onboarding = dir.join("onboarding.nudge");
    let text = std::fs::read_to_string(&onboarding).unwrap();
    let mut server = Server::start();
    server.open(&onboarding, 1);
    let (line, col) = find(&text, "first_name ??");
    let hover = server.at("textDocument/hover", &onboarding, line, col + 2);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("first_name: string?"), "{value}");
    assert_eq!(hover["range"], range(line, col, line, col + 10));

    let (line, col) = find(&text, "when trial");
    let hover = server.at("textDocument/hover", &onboarding, line, col + 6);
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("segment trial: bool"), "{value}");
    assert!(
        value.contains("Everyone still on the trial plan"),
        "{value}"
    );
    server.stop();
}

#[test]
fn completion_inside_a_string_compared_with_an_enum_lists_its_values() {
    let dir = example_copy("completion");
    let path = dir.join("onboarding.nudge");
    let mut server = Server::start();
    server.open(&path, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines = text.lines().count() as u32;
    let typed = "\nsegment paying = plan == \"";
    server.change(&path, 2, range(lines, 0, lines, 0), typed);
    let items = server.at("textDocument/completion", &path, lines + 1, 26);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["trial", "starter", "pro", "enterprise"]);
    assert_eq!(items[0]["textEdit"]["newText"], "trial\"");

    // After `E.`: the event's properties; after `send`: the channels.
    let more = "\nmetric quiz = avg(completed_quiz.";
    server.change(&path, 3, range(lines + 2, 0, lines + 2, 0), more);
    let items = server.at("textDocument/completion", &path, lines + 3, 34);
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["course", "score"]);
    server.stop();
}

#[test]
fn definition_and_references_cross_files_and_rename_edits_every_file() {
    let dir = example_copy("definition");
    let onboarding = dir.join("onboarding.nudge");
    let schema = dir.join("schema.nudge");
    let text = std::fs::read_to_string(&onboarding).unwrap();
    let schema_text = std::fs::read_to_string(&schema).unwrap();
    let mut server = Server::start();
    server.open(&onboarding, 1);
    let (line, col) = find(&text, "signed_up_at within");
    let location = server.at("textDocument/definition", &onboarding, line, col + 1);
    assert_eq!(location["uri"], uri(&schema));
    let (dl, dc) = find(&schema_text, "signed_up_at: time");
    assert_eq!(location["range"], range(dl, dc, dl, dc + 12));

    let references = server.at("textDocument/references", &onboarding, line, col + 1);
    let files: std::collections::BTreeSet<&str> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert!(
        files.contains("schema.nudge") && files.contains("onboarding.nudge"),
        "{files:?}"
    );

    // `trial` is defined in onboarding.nudge and used in other files too.
    let (line, col) = find(&text, "segment trial");
    let edit = server.request(
        "textDocument/rename",
        json!({
            "textDocument": {"uri": uri(&onboarding)},
            "position": {"line": line, "character": col + 9},
            "newName": "on_trial",
        }),
    );
    let changes = edit["changes"].as_object().unwrap();
    let uses: usize = changes.values().map(|e| e.as_array().unwrap().len()).sum();
    let expected: usize = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .map(|t| count_word(&t, "trial"))
        .sum();
    assert_eq!(uses, expected);
    assert!(changes.len() >= 2, "{changes:?}");

    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&onboarding)}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..2], ["trial", "import_guide"]);
    server.stop();
}

/// Occurrences of `word` as a whole name outside strings and comments.
fn count_word(text: &str, word: &str) -> usize {
    text.lines()
        .map(|line| {
            let code = line.split('#').next().unwrap();
            code.split('"')
                .step_by(2)
                .map(|part| {
                    part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .filter(|w| *w == word)
                        .count()
                })
                .sum::<usize>()
        })
        .sum()
}

#[test]
fn formatting_gives_nudge_fmts_layout() {
    let messy = "segment   trial=plan==\"trial\"\nrule welcome { when trial and first_name is present send email \"welcome\" cooldown 7 days }\n";
    let path = small_ruleset("format", messy);
    let mut server = Server::start();
    server.open(&path, 1);
    let edits = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&path)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let status = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(["fmt", path.parent().unwrap().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(edits[0]["newText"], std::fs::read_to_string(&path).unwrap());
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    server.stop();
}

#[test]
fn quick_fixes_replace_misspelt_enum_values_events_and_channels() {
    let rules = "rule hello {\n  when plan == \"trail\" and never imported_dta\n  send emial \"hello\"\n  cooldown 1 day\n}\n";
    let path = small_ruleset("spelling", rules);
    let mut server = Server::start();
    let diagnostics = server.open(&path, 1);
    let fixes: Vec<(String, String)> = diagnostics
        .iter()
        .map(|d| {
            let actions = server.code_actions(&path, &d["range"], d);
            let edit = &actions[0]["edit"]["changes"][uri(&path)][0];
            (
                d["code"].as_str().unwrap().to_string(),
                edit["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("nudge::unknown_enum_value", "\"trial\""),
        ("nudge::unknown_event", "imported_data"),
        ("nudge::unknown_channel", "email"),
    ];
    assert_eq!(
        fixes,
        expected.map(|(c, t)| (c.to_string(), t.to_string())),
        "{diagnostics:?}"
    );
    server.stop();
}

#[test]
fn quick_fixes_add_a_default_and_a_cooldown() {
    let rules = "rule hello {\n  when plan == \"pro\" and lower(first_name) == \"ada\"\n  send email \"hello\"\n}\n";
    let path = small_ruleset("fixes", rules);
    let mut server = Server::start();
    let diagnostics = server.open(&path, 1);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["nudge::no_cooldown", "nudge::optional"]);
    let titles = |server: &mut Server, d: &Value| -> Vec<String> {
        let actions = server.code_actions(&path, &d["range"], d);
        actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles(&mut server, &diagnostics[0]),
        ["add `cooldown 7 days`"]
    );
    assert_eq!(
        titles(&mut server, &diagnostics[1]),
        [
            "give a default: `first_name ?? \"\"`",
            "guard it: `first_name is present and …`"
        ]
    );
    server.stop();
}

/// A small seeded generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Line and UTF-16 column of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": col})
}

/// The nearest character boundary at or before `offset`.
fn boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// What `nudge check --format json` reports for one file of a directory, as
/// (code, message with help, start line, start col, end line, end col),
/// 0-based like LSP (its columns count characters; the example ruleset has
/// none outside the Basic Multilingual Plane, so they equal UTF-16 units).
fn check_json(dir: &Path, file: &str) -> Vec<(String, String, u64, u64, u64, u64)> {
    let output = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(["check", "--format", "json", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let all: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    all.iter()
        .filter(|d| d["file"] == file)
        .map(|d| {
            let mut message = d["message"].as_str().unwrap().to_string();
            if let Some(help) = d["help"].as_str() {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            (
                d["code"].as_str().unwrap().to_string(),
                message,
                d["line"].as_u64().unwrap() - 1,
                d["column"].as_u64().unwrap() - 1,
                d["end_line"].as_u64().unwrap() - 1,
                d["end_column"].as_u64().unwrap() - 1,
            )
        })
        .collect()
}

fn lsp_tuples(diagnostics: &[Value]) -> Vec<(String, String, u64, u64, u64, u64)> {
    diagnostics
        .iter()
        .map(|d| {
            let r = &d["range"];
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn random_edits_never_crash_and_end_with_nudge_checks_diagnostics() {
    const PIECES: [&str; 16] = [
        "plan",
        " and ",
        "\"",
        "{",
        "}",
        "(",
        ")",
        "\n",
        "7 days",
        "count(",
        " == ",
        "rule x {",
        "segment s = ",
        "never ",
        "#",
        ".",
    ];
    for seed in [1u64, 7, 42, 1234, 99_999] {
        let dir = example_copy(&format!("random-{seed}"));
        let path = dir.join("onboarding.nudge");
        let mut text = std::fs::read_to_string(&path).unwrap();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut server = Server::start();
        server.open(&path, 1);
        let mut version = 1;
        for step in 0..60 {
            version += 1;
            let start = boundary(&text, rng.below(text.len() + 1));
            let (end, insert) = if rng.below(2) == 0 {
                (
                    boundary(&text, start + rng.below(12).min(text.len() - start)),
                    "",
                )
            } else {
                (start, PIECES[rng.below(PIECES.len())])
            };
            let r = json!({"start": position(&text, start), "end": position(&text, end)});
            server.change(&path, version, r, insert);
            text.replace_range(start..end, insert);
            if step % 10 == 0 {
                // Requests in the middle of edits must be answered too.
                let p = position(&text, boundary(&text, rng.below(text.len() + 1)));
                let (line, col) = (
                    p["line"].as_u64().unwrap() as u32,
                    p["character"].as_u64().unwrap() as u32,
                );
                server.at("textDocument/hover", &path, line, col);
                server.at("textDocument/completion", &path, line, col);
                server.at("textDocument/definition", &path, line, col);
                server.request(
                    "textDocument/formatting",
                    json!({"textDocument": {"uri": uri(&path)}, "options": {"tabSize": 2, "insertSpaces": true}}),
                );
                server.request(
                    "textDocument/codeAction",
                    json!({"textDocument": {"uri": uri(&path)}, "range": {"start": p, "end": p}, "context": {"diagnostics": []}}),
                );
            }
        }
        let published = server.diagnostics(&uri(&path), version);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(
            lsp_tuples(&published),
            check_json(&dir, "onboarding.nudge"),
            "seed {seed}, final text:\n{text}"
        );
        server.stop();
    }
}

/// The diagnostics round trip on the example ruleset: from sending a change
/// to receiving its diagnostics. Prints the figures; asserts nothing about
/// time.
#[test]
fn diagnostics_round_trip_is_measured() {
    let dir = example_copy("latency");
    let path = dir.join("onboarding.nudge");
    let mut server = Server::start();
    server.open(&path, 1);
    let mut times = Vec::new();
    for version in 2..32 {
        // Alternately break and repair a name.
        let text = if version % 2 == 0 { "x" } else { "" };
        let r = if version % 2 == 0 {
            range(6, 16, 6, 16)
        } else {
            range(6, 16, 6, 17)
        };
        let sent = Instant::now();
        server.change(&path, version, r, text);
        let diagnostics = server.diagnostics(&uri(&path), version);
        times.push(sent.elapsed());
        assert_eq!(diagnostics.is_empty(), version % 2 == 1, "{diagnostics:?}");
    }
    times.sort();
    println!(
        "diagnostics round trip after a change on rules/ ({} changes): median {:.1} ms, max {:.1} ms (debounce {} ms included)",
        times.len(),
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
        nudge::lsp::DEBOUNCE.as_millis(),
    );
    server.stop();
}

/// The TextMate grammar highlights every built-in of the one table.
#[test]
fn the_grammar_knows_every_built_in() {
    let grammar: Value = serde_json::from_str(
        &std::fs::read_to_string("editors/vscode/syntaxes/nudge.tmLanguage.json").unwrap(),
    )
    .unwrap();
    let pattern = grammar["repository"]["function"]["match"].as_str().unwrap();
    let listed: Vec<&str> = pattern
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(names, _)| names.split('|').collect())
        .unwrap();
    assert_eq!(listed, nudge::program::builtins::names());
}

/// A deeply nested expression is refused with the depth limit, not a crash
/// (3000 levels overflow an 8 MiB main-thread stack in a debug build), and
/// the server goes on answering.
#[test]
fn deep_nesting_does_not_crash_the_server() {
    let rules = format!(
        "rule r {{\n  when seats > {}1\n  send email \"m\"\n  cooldown 1 day\n}}\n",
        "-".repeat(3000)
    );
    let schema = "schema { seats: int }\npolicy { channels email consent email when true }\n";
    let dir = ruleset_copy("deep", &[("schema.nudge", schema), ("rules.nudge", &rules)]);
    let path = dir.join("rules.nudge");
    let mut server = Server::start();
    let diagnostics = server.open(&path, 1);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "expression nested deeper than {} levels",
            nudge::syntax::MAX_DEPTH
        )),
        "{message}"
    );
    let schema_path = dir.join("schema.nudge");
    assert_eq!(server.open(&schema_path, 1), Vec::<Value>::new());
    let hover = server.at("textDocument/hover", &schema_path, 0, 10);
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("seats: int"));
    server.stop();
}
