//! Rule directories and arguments that once hung or were misread: a FIFO
//! named like a rule file, a byte-order mark, an absurd thread count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn nudge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(args)
        .output()
        .unwrap()
}

fn copy_rules(to: &Path) {
    for entry in std::fs::read_dir("rules").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "nudge") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn a_fifo_named_like_a_rule_file_is_refused_not_waited_on() {
    let dir = temp_dir("fifo");
    copy_rules(&dir);
    let fifo = dir.join("x.nudge");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = nudge(&["check", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("x.nudge"), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_rule_file_is_skipped() {
    let dir = temp_dir("bom");
    copy_rules(&dir);
    let schema = dir.join("schema.nudge");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, format!("\u{feff}{text}")).unwrap();
    let out = nudge(&["check", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_absurd_thread_count_is_a_clear_error() {
    for threads in ["100000", "0", "many"] {
        let out = nudge(&[
            "eval",
            "--rules",
            "rules",
            "--snapshots",
            "examples/customers.ndjson",
            "--threads",
            threads,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{threads}: {stderr}");
        assert!(
            stderr.contains("expected a whole number from 1 to 256"),
            "{threads}: {stderr}"
        );
    }
}

#[test]
fn the_library_refuses_too_many_threads() {
    let ruleset = nudge::Ruleset::load("rules").unwrap();
    let now = "2026-11-23T09:00:00Z".parse().unwrap();
    let batch = nudge::batch::Batch::new(nudge::batch::Evaluate::new(ruleset, now));
    let error = batch.threads(100_000).err().unwrap();
    assert_eq!(
        error.to_string(),
        "100000 worker threads is too many: at most 256"
    );
}
