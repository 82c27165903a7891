//! `nudge diff` as users run it: the example ruleset against edited copies
//! over examples/customers.ndjson, in the three formats, and `REV:DIR`
//! read from a temporary git repository.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-11-23T09:00:00Z";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn customers() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/customers.ndjson")
        .to_string_lossy()
        .into_owned()
}

/// Copies the example ruleset's `.nudge` files into `dir`.
fn copy_rules(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(rules).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "nudge") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// Replaces `from` (which must occur once) by `to` in `file`.
fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} in {}",
        file.display()
    );
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

fn nudge(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nudge"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

fn diff(cwd: &Path, before: &str, after: &str, extra: &[&str]) -> Output {
    let snapshots = customers();
    let mut args = vec![
        "diff",
        before,
        after,
        "--snapshots",
        &snapshots,
        "--now",
        NOW,
        "--examples",
        "3",
    ];
    args.extend_from_slice(extra);
    nudge(cwd, &args)
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Runs a scenario: `before/` is the example ruleset, `after/` the same
/// edited by `change`; pins the three formats and checks the exit codes.
fn scenario(name: &str, change: impl Fn(&Path)) -> serde_json::Value {
    let dir = temp_dir(name);
    copy_rules(&dir.join("before"));
    copy_rules(&dir.join("after"));
    change(&dir.join("after"));
    let markdown = stdout(&diff(&dir, "before", "after", &["--format", "markdown"]));
    let json = stdout(&diff(&dir, "before", "after", &["--format", "json"]));
    // Not a terminal: no colours.
    let text = stdout(&diff(&dir, "before", "after", &[]));
    assert!(!text.contains('\x1b'));
    insta::with_settings!({snapshot_path => "snapshots/diff", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(format!("{name}_markdown"), markdown);
        insta::assert_snapshot!(format!("{name}_json"), json);
        insta::assert_snapshot!(format!("{name}_text"), text);
    });
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changed = report["changed_decisions"].as_u64().unwrap() > 0;
    let strict = diff(&dir, "before", "after", &["--fail-on-change"]);
    assert_eq!(strict.status.code(), Some(i32::from(changed)), "{name}");
    report
}

#[test]
fn a_lower_threshold_reaches_more_customers() {
    let report = scenario("threshold", |after| {
        edit(
            &after.join("onboarding.nudge"),
            "and inactive for 7 days",
            "and inactive for 3 days",
        )
    });
    assert_eq!(report["changed_customers"], 4);
    let rule = &report["rules"][0];
    assert_eq!(rule["rule"], "import_guide");
    let example = &rule["transitions"][0]["examples"][0];
    assert_eq!(
        example["conditions"][0]["after"]["condition"],
        "inactive for 3 days"
    );
}

#[test]
fn a_new_rule_takes_sends_and_cap_room() {
    let report = scenario("new_rule", |after| {
        let file = after.join("retention.nudge");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(
            "\n# Frequent visitors get a thank-you note in the app.\n\
             rule regulars_thanks {\n  \
               describe \"Customers who logged in 5+ times in 30 days get a thank-you note\"\n  \
               tags retention\n  \
               when logged_in at least 5 times within 30 days\n  \
               send in_app \"thanks\" with { name: first_name ?? \"there\" }\n  \
               priority 95\n  \
               cooldown 90 days\n\
             }\n",
        );
        std::fs::write(file, text).unwrap();
    });
    let rule = rule_report(&report, "regulars_thanks");
    assert_eq!(rule["status"], "added");
    assert!(rule["before"].is_null());
}

/// The report's entry for `name`.
fn rule_report<'r>(report: &'r serde_json::Value, name: &str) -> &'r serde_json::Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("no rule {name} in the report"))
}

#[test]
fn a_removed_rule_loses_its_sends() {
    let report = scenario("removed_rule", |after| {
        let file = after.join("retention.nudge");
        let text = std::fs::read_to_string(&file).unwrap();
        let start = text.find("rule sso_shipped {").unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 3;
        std::fs::write(file, format!("{}{}", &text[..start], &text[end..])).unwrap();
    });
    let rule = rule_report(&report, "sso_shipped");
    assert_eq!(rule["status"], "removed");
    assert!(rule["after"].is_null());
    assert_eq!(rule["before"]["send"], 12);
    assert!(report["sends_lost"].as_u64().unwrap() >= 12);
}

#[test]
fn a_higher_priority_moves_a_cap() {
    let report = scenario("priority", |after| {
        edit(&after.join("value.nudge"), "priority 25", "priority 95")
    });
    let transitions: Vec<(String, String, String)> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["transitions"].as_array().unwrap().iter().map(|t| {
                (
                    r["rule"].as_str().unwrap().to_string(),
                    t["before"].as_str().unwrap().to_string(),
                    t["after"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    assert!(
        transitions.contains(&("unused_seats".into(), "capped".into(), "send".into())),
        "{transitions:?}"
    );
    assert!(
        transitions
            .iter()
            .any(|(rule, b, a)| rule != "unused_seats" && b == "send" && a == "capped"),
        "{transitions:?}"
    );
}

#[test]
fn a_changed_with_value_changes_params() {
    let report = scenario("with_value", |after| {
        edit(
            &after.join("winback.nudge"),
            "expires: now + 7 days",
            "expires: now + 10 days",
        )
    });
    let t = &report["rules"][0]["transitions"][0];
    assert_eq!(report["rules"][0]["rule"], "trial_winback");
    assert_eq!(
        (t["before"].as_str(), t["after"].as_str()),
        (Some("send"), Some("send"))
    );
    assert_eq!(t["changed"], serde_json::json!(["params"]));
    assert_eq!(t["examples"][0]["fields"][0]["field"], "params.expires");
    assert_eq!(report["sends_gained"], 0);
    assert_eq!(report["sends_lost"], 0);
}

#[test]
fn no_change_says_so_and_exits_0_even_when_strict() {
    // A new comment changes the ruleset hash, hence every decision id,
    // but no decision: decisions are paired by (customer, rule).
    let report = scenario("no_change", |after| {
        edit(
            &after.join("onboarding.nudge"),
            "# Trial users who stalled",
            "# Reviewed in November.\n# Trial users who stalled",
        )
    });
    assert_ne!(report["before"]["hash"], report["after"]["hash"]);
    assert_eq!(report["changed_decisions"], 0);
}

fn git(repo: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(repo)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn rev_dir_reads_rulesets_from_git() {
    let repo = temp_dir("git");
    git(&repo, &["init", "-q"]);
    copy_rules(&repo.join("rules"));
    git(&repo, &["add", "rules"]);
    git(&repo, &["commit", "-q", "-m", "rules"]);
    edit(
        &repo.join("rules/onboarding.nudge"),
        "and inactive for 7 days",
        "and inactive for 3 days",
    );
    git(&repo, &["commit", "-q", "-am", "three days"]);
    // Two revisions, and a revision against the working tree.
    let json = |before: &str, after: &str| -> serde_json::Value {
        serde_json::from_str(&stdout(&diff(&repo, before, after, &["--format", "json"]))).unwrap()
    };
    let revisions = json("HEAD~1:rules", "HEAD:rules");
    let working = json("HEAD~1:rules", "rules");
    assert_eq!(revisions["changed_customers"], 4);
    assert_eq!(revisions["rules"], working["rules"]);
    assert_eq!(revisions["before"]["label"], "HEAD~1:rules");
    assert_eq!(revisions["before"]["commit"].as_str().unwrap().len(), 7);
    // The same files read from git hash as they do from disk.
    let disk = temp_dir("git-disk");
    copy_rules(&disk.join("rules"));
    let from_disk = json(disk.join("rules").to_str().unwrap(), "rules");
    assert_eq!(revisions["before"]["hash"], from_disk["before"]["hash"]);
    // From a subdirectory, DIR is relative to it (as git reads `REV:./DIR`).
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    let o = diff(
        &repo.join("sub"),
        "HEAD~1:../rules",
        "../rules",
        &["--format", "json"],
    );
    let sub: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(sub["rules"], revisions["rules"]);

    let bad = diff(&repo, "no-such-branch:rules", "rules", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("`no-such-branch` is not a revision of this repository"),
        "{stderr}"
    );
    let missing = diff(&repo, "HEAD~1:nowhere", "rules", &[]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("`HEAD~1:nowhere` holds no .nudge files"),
        "{stderr}"
    );
}

#[test]
fn outside_a_repository_rev_dir_is_a_clear_error() {
    let dir = temp_dir("no-repo");
    let o = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .args([
            "diff",
            "main:rules",
            "main:rules",
            "--snapshots",
            &customers(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("not in a git repository"), "{stderr}");
}

#[test]
fn lines_that_are_not_customers_are_reported_and_the_rest_compared() {
    let dir = temp_dir("rejected");
    copy_rules(&dir.join("rules"));
    let text = std::fs::read_to_string(customers()).unwrap();
    let mut lines: Vec<&str> = text.lines().take(3).collect();
    lines.insert(1, "{not json");
    std::fs::write(dir.join("some.ndjson"), lines.join("\n")).unwrap();
    let o = nudge(
        &dir,
        &[
            "diff",
            "rules",
            "rules",
            "--snapshots",
            "some.ndjson",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            report["customers"].as_u64(),
            report["rejected_lines"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(report["rejected"][0]["line"], 2);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("some.ndjson:2: "), "{stderr}");
    // A JSON array is read too.
    let customers: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    std::fs::write(
        dir.join("some.json"),
        serde_json::to_string(&customers).unwrap(),
    )
    .unwrap();
    let o = nudge(
        &dir,
        &[
            "diff",
            "rules",
            "rules",
            "--snapshots",
            "some.json",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["customers"], 3);
}
