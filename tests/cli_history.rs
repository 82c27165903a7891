//! `nudge eval --history` (LANGUAGE.md 12.10): yesterday's decision log is
//! today's message history, with no change to the snapshots. Day 1 sends
//! (or holds out), day 2 is `cooldown` for both groups, and a week later
//! both come back together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/history");
const DAY1: &str = "2026-11-23T09:00:00Z";
const DAY2: &str = "2026-11-24T09:00:00Z";
const DAY9: &str = "2026-12-01T09:00:00Z";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `nudge eval` at `now` with the given history logs; returns
/// (customer, rule) → outcome.
fn eval(dir: &Path, now: &str, history: &[&Path], out: &str) -> BTreeMap<(String, String), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudge"));
    cmd.args(["eval", "--rules", RULES, "--quiet", "--now", now])
        .arg("--snapshots")
        .arg(dir.join("customers.ndjson"))
        .arg("--out")
        .arg(dir.join(out))
        .arg("--manifest")
        .arg(dir.join(format!("{out}.manifest.json")));
    if !history.is_empty() {
        cmd.arg("--history").args(history);
    }
    let run = cmd.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(dir.join(out))
        .unwrap()
        .lines()
        .map(|l| {
            let d: Value = serde_json::from_str(l).unwrap();
            (
                (
                    d["customer"].as_str().unwrap().to_string(),
                    d["rule"].as_str().unwrap().to_string(),
                ),
                d["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn outcome<'a>(m: &'a BTreeMap<(String, String), String>, c: &str, rule: &str) -> &'a str {
    m.get(&(c.to_string(), rule.to_string()))
        .map(String::as_str)
        .unwrap_or("no_match")
}

#[test]
fn history_makes_cooldowns_and_caps_work_across_runs() {
    let dir = temp_dir("two-days");
    let customers: Vec<String> = (0..60).map(|i| format!("c{i:03}")).collect();
    let lines: Vec<String> = customers
        .iter()
        .map(|id| format!(r#"{{"id": "{id}", "plan": "trial"}}"#))
        .collect();
    std::fs::write(dir.join("customers.ndjson"), lines.join("\n") + "\n").unwrap();

    let day1 = eval(&dir, DAY1, &[], "day1.ndjson");
    let held: Vec<&String> = customers
        .iter()
        .filter(|c| outcome(&day1, c, "welcome") == "held_out")
        .collect();
    assert!(
        (8..30).contains(&held.len()),
        "about 30% held out: {}",
        held.len()
    );
    for c in &customers {
        let w = outcome(&day1, c, "welcome");
        assert!(w == "send" || w == "held_out", "{c}: {w}");
        assert_eq!(outcome(&day1, c, "tip"), "capped", "{c}");
    }

    // Without history, day 2 repeats day 1: the snapshots say nothing was sent.
    let forgetful = eval(&dir, DAY2, &[], "day2-forgetful.ndjson");
    assert_eq!(
        forgetful.values().collect::<Vec<_>>(),
        day1.values().collect::<Vec<_>>()
    );

    // With day 1 as history (given twice: records count once), everyone is
    // in the welcome's cooldown, treated and control alike.
    let log1 = dir.join("day1.ndjson");
    let day2 = eval(&dir, DAY2, &[&log1, &log1], "day2.ndjson");
    for c in &customers {
        assert_eq!(outcome(&day2, c, "welcome"), "cooldown", "{c}");
        // A send fills the weekly cap; a holdout sent nothing, so it counts
        // only for its own rule's cooldown.
        let tip = if held.contains(&c) { "send" } else { "capped" };
        assert_eq!(outcome(&day2, c, "tip"), tip, "{c}");
    }

    // A week later the cooldown is over for both groups at once, and the
    // holdout keeps the same customers.
    let log2 = dir.join("day2.ndjson");
    let day9 = eval(&dir, DAY9, &[&log1, &log2], "day9.ndjson");
    for c in &customers {
        assert_eq!(
            outcome(&day9, c, "welcome"),
            outcome(&day1, c, "welcome"),
            "{c}"
        );
    }

    // Replaying day 1 with its own log as history changes nothing: records
    // delivered at `now` count, later ones stay invisible.
    let before = eval(&dir, "2026-11-23T08:59:59Z", &[&log1], "before.ndjson");
    for c in &customers {
        let w = outcome(&before, c, "welcome");
        assert!(w == "send" || w == "held_out", "{c}: {w}");
    }

    // The manifest lists the history files with their SHA-256.
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("day9.ndjson.manifest.json")).unwrap(),
    )
    .unwrap();
    let history = manifest["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{manifest:#}");
    use sha2::Digest;
    let expected = nudge::ruleset::hex(&sha2::Sha256::digest(std::fs::read(&log1).unwrap()));
    assert_eq!(history[0]["sha256"], expected.as_str());
    std::fs::remove_dir_all(&dir).unwrap();
}
