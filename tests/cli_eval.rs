//! `nudge eval` as users run it: output files, byte-identical reruns,
//! rejected lines, the manifest and the summary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

const NOW: &str = "2026-11-23T12:00:00Z";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-cli-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first two customers of the eval fixture, one NDJSON line each.
fn two_customers() -> (String, String) {
    let customers = std::fs::read_to_string("tests/fixtures/eval/customers.ndjson").unwrap();
    let mut lines = customers.lines().map(str::to_string);
    (lines.next().unwrap(), lines.next().unwrap())
}

fn eval(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nudge"))
        .arg("eval")
        .args(["--rules", "tests/fixtures/arbitration", "--now", NOW])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn identical_runs_write_byte_identical_decisions() {
    let dir = temp_dir("identical");
    let (a, b) = (dir.join("a.ndjson"), dir.join("b.ndjson"));
    for (out, threads) in [(&a, "1"), (&b, "2")] {
        let o = eval(&[
            "--snapshots",
            "tests/fixtures/eval/customers.ndjson",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(2));
    }
    let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(!x.is_empty());
    assert_eq!(x, y, "two runs (1 and 2 threads) differ");
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn rejected_lines_are_reported_counted_and_the_rest_evaluated() {
    let dir = temp_dir("rejected");
    let manifest = dir.join("manifest.json");
    let o = eval(&[
        "--snapshots",
        "tests/fixtures/eval/customers.ndjson",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "exit 2 when lines were rejected");
    let stderr = String::from_utf8(o.stderr).unwrap();
    let stdout = String::from_utf8(o.stdout).unwrap();
    // Every rejected line with file:line and why.
    let rejected: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tests/fixtures/eval/customers.ndjson:"))
        .collect();
    assert_eq!(rejected.len(), 3, "{stderr}");
    assert!(
        rejected[0].starts_with("tests/fixtures/eval/customers.ndjson:6: "),
        "{stderr}"
    );
    assert!(rejected[2].contains(":8: missing `id`"), "{stderr}");
    // The other customers were still evaluated, the invalid one with errors.
    let decisions: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for id in ["new", "stale", "zero_seats", "broken", "extra"] {
        assert!(
            decisions.iter().any(|d| d["customer"] == id),
            "no decision for {id}"
        );
    }
    assert!(decisions
        .iter()
        .filter(|d| d["customer"] == "broken")
        .all(|d| d["outcome"] == "error"));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["customers"], 5);
    assert_eq!(m["invalid_customers"], 1);
    assert_eq!(m["rejected_lines"], 3);
    assert_eq!(m["rejected"][0]["line"], 6);
    assert_eq!(m["now"], NOW);
    assert_eq!(m["unknown_keys"], 2);
    // Unknown keys are named (an attribute, an event), with counts.
    assert_eq!(
        m["unknown_key_names"],
        serde_json::json!([{"key": "crm_score", "count": 1}, {"key": "events.clicked", "count": 1}])
    );
    assert_eq!(m["blank_lines"], 1);
    assert_eq!(m["inputs"][0]["records"], 5);
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["decisions"].as_u64().unwrap() as usize, decisions.len());
    // The summary, without its timing line.
    let summary: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("tests/fixtures"))
        .collect();
    let stable = summary[..summary.len() - 1].join("\n");
    insta::with_settings!({snapshot_path => "snapshots/cli", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("eval_summary", stable);
    });
    assert!(summary.last().unwrap().ends_with("customers/s"));
}

#[test]
fn yaml_and_json_array_inputs_and_stdin() {
    let dir = temp_dir("formats");
    let yaml = dir.join("customers.yaml");
    std::fs::write(
        &yaml,
        "- id: y1\n  plan: pro\n  signed_up_at: 2026-11-23T08:00:00Z\n  vip: false\n  open_tickets: 0\n  email_opt_in: true\n  seats: 20\n  frozen: false\n",
    )
    .unwrap();
    let o = eval(&["--snapshots", yaml.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"customer\":\"y1\""));
    let json = dir.join("customers.json");
    std::fs::write(&json, r#"[{"id": "j1", "plan": "pro", "signed_up_at": "2026-11-23T08:00:00Z", "vip": false, "open_tickets": 0, "email_opt_in": true, "seats": 20, "frozen": false}, 42]"#).unwrap();
    let o = eval(&["--snapshots", json.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"customer\":\"j1\""));
    assert!(String::from_utf8_lossy(&o.stderr).contains("customer #2"));
}

#[test]
fn explain_flag_adds_no_match_records() {
    let o = eval(&[
        "--snapshots",
        "tests/fixtures/eval/customers.ndjson",
        "--explain",
        "--quiet",
    ]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    let no_match: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|d| d["outcome"] == "no_match")
        .collect();
    assert!(!no_match.is_empty());
    assert!(no_match
        .iter()
        .all(|d| d["reason"].as_str().unwrap().ends_with("is false")));
}

/// Inputs larger than one read block (4 MB): lines that straddle blocks are
/// read once, line numbers stay right, and the result equals the JSON-array
/// path's; the manifest's hash is the file's SHA-256.
#[test]
fn large_inputs_cross_block_boundaries() {
    let dir = temp_dir("large");
    let gen = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args([
            "gen",
            "--rules",
            "rules",
            "--count",
            "2300",
            "--seed",
            "3",
            "--now",
            "2026-11-23T09:00:00Z",
        ])
        .output()
        .unwrap();
    assert!(gen.status.success());
    let mut lines: Vec<String> = String::from_utf8(gen.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    // A broken line well past the first 4 MB block.
    lines.insert(2000, String::from("{\"id\": \"broken\", "));
    let ndjson = dir.join("big.ndjson");
    std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
    assert!(
        std::fs::metadata(&ndjson).unwrap().len() > 4 << 20,
        "the input must span blocks"
    );
    let good: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains("broken"))
        .map(String::as_str)
        .collect();
    let array = dir.join("big.json");
    std::fs::write(&array, format!("[{}]", good.join(","))).unwrap();
    let run = |file: &std::path::Path, manifest: Option<&std::path::Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudge"));
        cmd.args([
            "eval",
            "--rules",
            "rules",
            "--now",
            "2026-11-23T09:00:00Z",
            "--quiet",
            "--snapshots",
        ])
        .arg(file);
        if let Some(m) = manifest {
            cmd.arg("--manifest").arg(m);
        }
        cmd.output().unwrap()
    };
    let manifest = dir.join("m.json");
    let from_lines = run(&ndjson, Some(&manifest));
    assert_eq!(from_lines.status.code(), Some(2));
    let stderr = String::from_utf8(from_lines.stderr).unwrap();
    assert!(stderr.contains("big.ndjson:2001: "), "{stderr}");
    let from_array = run(&array, None);
    assert_eq!(from_array.status.code(), Some(0));
    assert!(!from_lines.stdout.is_empty());
    assert_eq!(from_lines.stdout, from_array.stdout);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["customers"], 2300);
    assert_eq!(m["rejected_lines"], 1);
    use sha2::Digest;
    let expected = sha2::Sha256::digest(std::fs::read(&ndjson).unwrap());
    assert_eq!(m["inputs"][0]["sha256"], nudge::ruleset::hex(&expected));
}

/// Without `--now`, `nudge explain` and `nudge eval` take the same default
/// instant (now, to the second), so the same customer gets the same
/// decision ids from both within the same second.
#[test]
fn explain_and_eval_default_to_the_same_instant() {
    let dir = temp_dir("default-now");
    let customers = std::fs::read_to_string("tests/fixtures/eval/customers.ndjson").unwrap();
    let file = dir.join("one.ndjson");
    std::fs::write(&file, customers.lines().next().unwrap()).unwrap();
    let run = |command: &str, input: &str| {
        Command::new(env!("CARGO_BIN_EXE_nudge"))
            .args([command, "--rules", "tests/fixtures/arbitration", input])
            .arg(file.to_str().unwrap())
            .output()
            .unwrap()
    };
    // A run that straddles a second boundary is retried.
    for _ in 0..5 {
        let eval = run("eval", "--snapshots");
        let explain = run("explain", "--customer");
        let decisions: Vec<serde_json::Value> = String::from_utf8(eval.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!decisions.is_empty());
        let explained = String::from_utf8(explain.stdout).unwrap();
        let now = explained
            .lines()
            .next()
            .and_then(|l| l.split(" at ").nth(1))
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .to_string();
        if decisions[0]["now"] != now.as_str() {
            continue;
        }
        for d in &decisions {
            let id = nudge::decision::decision_id(
                d["ruleset"].as_str().unwrap(),
                d["customer"].as_str().unwrap(),
                d["rule"].as_str().unwrap(),
                &now,
            );
            assert_eq!(d["decision_id"], id.as_str());
        }
        return;
    }
    panic!("`nudge explain` and `nudge eval` never agreed on the default instant");
}

/// A customer id seen again in the same run (in the same file or a later
/// one) is a rejected line naming where it was first seen; its decisions
/// are not written, so no two decisions share a `decision_id`.
#[test]
fn duplicate_customer_ids_are_rejected_with_the_first_place() {
    let dir = temp_dir("duplicates");
    let (first, second) = two_customers();
    let (a, b) = (dir.join("a.ndjson"), dir.join("b.json"));
    std::fs::write(&a, format!("{first}\n{second}\n{first}\n")).unwrap();
    std::fs::write(&b, format!("[{second}]")).unwrap();
    let manifest = dir.join("m.json");
    let o = eval(&[
        "--snapshots",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8(o.stderr).unwrap();
    let a_name = a.to_str().unwrap();
    assert!(
        stderr.contains(&format!(
            "{a_name}:3: duplicate customer id `new`, first at {a_name}:1"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "b.json: customer #1: duplicate customer id `stale`, first at {a_name}:2"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 rejected lines (2 duplicate ids)"),
        "{stderr}"
    );
    let ids: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["decision_id"].to_string())
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a decision_id repeats: {ids:?}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(
        (m["customers"].as_u64(), m["duplicate_ids"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(m["inputs"][1]["duplicates"], 1);
}

/// A full disk names the file being written, not the input being read.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_names_the_output() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .arg("eval")
        .args(["--rules", "tests/fixtures/arbitration", "--now", NOW])
        .args([
            "--quiet",
            "--snapshots",
            "tests/fixtures/eval/customers.ndjson",
        ])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        stderr.contains("cannot write decisions to standard output: No space left on device"),
        "{stderr}"
    );
    assert!(!stderr.contains("customers.ndjson: No space"), "{stderr}");
}

/// SIGTERM mid-run removes both temporary files and renames nothing into
/// place; a run that fails writes neither decisions nor manifest.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_file_behind() {
    use std::io::Write;
    let dir = temp_dir("sigterm");
    let (out, manifest) = (dir.join("d.ndjson"), dir.join("m.json"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .arg("eval")
        .args([
            "--rules",
            "tests/fixtures/arbitration",
            "--now",
            NOW,
            "--quiet",
        ])
        .args(["--snapshots", "-", "--out", out.to_str().unwrap()])
        .args(["--manifest", manifest.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let customers = std::fs::read_to_string("tests/fixtures/eval/customers.ndjson").unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(customers.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Both temporary files exist while the run waits for more input.
    let count = || std::fs::read_dir(&dir).unwrap().count();
    for _ in 0..500 {
        if count() == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(count(), 2, "the run did not start");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(128 + 15));
    assert_empty(&dir);
}

/// Fails when a failed run left any file in `dir` (temporary or final).
fn assert_empty(dir: &std::path::Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A manifest that cannot be written keeps the decisions out of place too.
#[test]
fn decisions_and_manifest_are_committed_together() {
    let dir = temp_dir("together");
    let out = dir.join("d.ndjson");
    let o = eval(&[
        "--quiet",
        "--snapshots",
        "tests/fixtures/eval/customers.ndjson",
        "--out",
        out.to_str().unwrap(),
        "--manifest",
        dir.join("missing/m.json").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_empty(&dir);
}

/// Blank and whitespace-only lines are skipped, counted in the summary and
/// the manifest, and are not rejected lines (exit 0), as in the server's
/// batch route.
#[test]
fn blank_lines_are_skipped_and_counted() {
    let dir = temp_dir("blank");
    let (first, second) = two_customers();
    let input = dir.join("in.ndjson");
    std::fs::write(&input, format!("\n{first}\n  \t \r\n{second}\n\n")).unwrap();
    let manifest = dir.join("m.json");
    let o = eval(&[
        "--snapshots",
        input.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("0 rejected lines, 3 blank lines skipped,"),
        "{stderr}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["customers"], 2);
    assert_eq!(m["blank_lines"], 3);
    assert_eq!(m["inputs"][0]["blank_lines"], 3);
    assert_eq!(m["rejected_lines"], 0);
}

fn explain(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nudge"))
        .arg("explain")
        .args(["--rules", "tests/fixtures/arbitration", "--now", NOW])
        .args(args)
        .output()
        .unwrap()
}

/// A UTF-8 byte-order mark at the start of a snapshot file (NDJSON, a JSON
/// array, YAML) is skipped by `nudge eval` and `nudge explain` alike.
#[test]
fn byte_order_marks_are_skipped_in_every_snapshot_format() {
    let dir = temp_dir("bom");
    let (first, _) = two_customers();
    let value: serde_json::Value = serde_json::from_str(&first).unwrap();
    let yaml = serde_yaml::to_string(&value).unwrap();
    let files = [
        ("bom.ndjson", format!("\u{feff}{first}\n")),
        ("bom.json", format!("\u{feff}[{first}]")),
        ("one.json", format!("\u{feff}{first}")),
        ("bom.yaml", format!("\u{feff}{yaml}")),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let o = explain(&["--customer", path]);
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.starts_with("customer new at"), "{name}: {stdout}");
        if name == "one.json" {
            continue; // `nudge eval` reads `.json` files as arrays
        }
        let o = eval(&["--snapshots", path, "--quiet"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8(o.stdout)
                .unwrap()
                .contains("\"customer\":\"new\""),
            "{name}"
        );
    }
}

/// `nudge explain` reports a line that is not UTF-8 (or not a customer)
/// with file:line and goes on with the next ones.
#[test]
fn explain_reports_a_bad_line_and_goes_on() {
    let dir = temp_dir("explain-bad-line");
    let (first, second) = two_customers();
    let path = dir.join("c.ndjson");
    let mut bytes = b"{\"id\": \"\xff\"}\nnot json\n".to_vec();
    bytes.extend_from_slice(format!("{first}\n").as_bytes());
    bytes.extend_from_slice(b"\xFF\n");
    bytes.extend_from_slice(format!("{second}\n").as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let name = path.to_str().unwrap();
    let o = explain(&["--customer", name]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .starts_with("customer new at"));
    let reported: Vec<&str> = stderr.lines().collect();
    assert_eq!(reported.len(), 2, "{stderr}");
    assert_eq!(reported[0], format!("{name}:1: not valid UTF-8"));
    assert!(reported[1].starts_with(&format!("{name}:2: ")), "{stderr}");
    // With --id, every bad line before the customer is reported.
    let o = explain(&["--customer", name, "--id", "stale"]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .starts_with("customer stale at"));
    assert!(
        stderr.contains(&format!("{name}:4: not valid UTF-8")),
        "{stderr}"
    );
}
