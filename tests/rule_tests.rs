//! `nudge test` end to end: the real binary on a temporary copy of the
//! fixture ruleset in `tests/fixtures/rule_tests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rule_tests");
const CASES: usize = 6;

/// A copy of the fixture in a fresh temporary directory, removed on drop.
struct Ruleset {
    dir: PathBuf,
}

impl Ruleset {
    fn new(name: &str) -> Ruleset {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "nudge-rule-tests-{name}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        copy_dir(Path::new(FIXTURE), &dir);
        Ruleset { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn snapshot(&self) -> PathBuf {
        self.path("tests/snapshots/basic.snap")
    }

    /// Replaces `from` by `to` in a file of the copy (which must hold it).
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.path(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} does not hold {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// Runs `nudge test DIR ARGS…` without `CI` in the environment.
    fn test(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudge"));
        cmd.arg("test")
            .arg(&self.dir)
            .args(args)
            .env_remove("CI")
            .env("NO_COLOR", "1");
        Run::from(cmd.output().unwrap())
    }

    /// Runs `nudge test DIR ARGS…` with `CI=true`.
    fn test_in_ci(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudge"));
        cmd.arg("test")
            .arg(&self.dir)
            .args(args)
            .env("CI", "true")
            .env("NO_COLOR", "1");
        Run::from(cmd.output().unwrap())
    }
}

impl Drop for Ruleset {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

#[test]
fn the_fixture_passes_and_ends_with_the_summary_line() {
    let rules = Ruleset::new("pass");
    let run = rules.test(&["--coverage", "--min-coverage", "100"]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(
        run.last_line(),
        format!("{CASES} passed, 0 failed"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout
            .contains("✓ user who never imported gets the import tip"),
        "{}",
        run.show()
    );
    assert!(run.stdout.contains("rule coverage: 100%"), "{}", run.show());
}

#[test]
fn a_changed_message_fails_with_a_diff_and_accept_makes_it_pass() {
    let rules = Ruleset::new("message");
    rules.edit(
        "rules.nudge",
        "send email \"come_back\"",
        "send email \"come_back_v2\"",
    );

    let run = rules.test(&[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert_eq!(run.last_line(), "4 passed, 2 failed", "{}", run.show());
    assert!(
        run.stdout.contains("decisions differ from the snapshot"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout.contains("\n      -    message: come_back\n"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout.contains("\n      +    message: come_back_v2\n"),
        "{}",
        run.show()
    );
    // Plain text when stdout is not a terminal.
    assert!(!run.stdout.contains('\x1b'), "{}", run.show());
    // A failing run writes nothing.
    let stored = std::fs::read_to_string(rules.snapshot()).unwrap();
    assert!(!stored.contains("come_back_v2"));

    let accepted = rules.test(&["--accept"]);
    assert_eq!(accepted.code, Some(0), "{}", accepted.show());
    assert!(
        accepted.stdout.contains("(snapshot updated)"),
        "{}",
        accepted.show()
    );
    assert!(std::fs::read_to_string(rules.snapshot())
        .unwrap()
        .contains("message: come_back_v2"));

    let again = rules.test_in_ci(&[]);
    assert_eq!(again.code, Some(0), "{}", again.show());
    assert_eq!(
        again.last_line(),
        format!("{CASES} passed, 0 failed"),
        "{}",
        again.show()
    );
}

#[test]
fn a_changed_priority_fails_with_expected_got_because_and_a_diff() {
    let rules = Ruleset::new("priority");
    rules.edit("rules.nudge", "priority 5", "priority 30");

    let run = rules.test(&[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let out = &run.stdout;
    assert!(
        out.contains("✗ inactive pro user who never imported, one message a day"),
        "{}",
        run.show()
    );
    assert!(
        out.contains("expected: [come_back]\n      got:      [import_tip]"),
        "{}",
        run.show()
    );
    // The `because` of the rules that differ.
    assert!(
        out.contains("come_back → capped: capped by `at most 1 message per day`"),
        "{}",
        run.show()
    );
    assert!(out.contains("✓ never imported_data"), "{}", run.show());
    // The snapshot diff shows the new arbitration order.
    assert!(out.contains("+  - rule: import_tip"), "{}", run.show());
    assert!(out.contains("-  - rule: come_back"), "{}", run.show());
    assert!(
        run.last_line().ends_with("failed") && !run.last_line().ends_with(" 0 failed"),
        "{}",
        run.show()
    );
}

#[test]
fn in_ci_a_deleted_snapshot_fails_and_none_is_written() {
    let rules = Ruleset::new("ci");
    std::fs::remove_file(rules.snapshot()).unwrap();

    let run = rules.test_in_ci(&[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert_eq!(
        run.last_line(),
        format!("0 passed, {CASES} failed"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout.contains("no snapshot for this case"),
        "{}",
        run.show()
    );
    assert!(!rules.snapshot().exists(), "a snapshot was written in CI");

    // Outside CI the missing snapshot is written, and the run passes.
    let local = rules.test(&[]);
    assert_eq!(local.code, Some(0), "{}", local.show());
    assert!(
        local.stdout.contains("(new snapshot written)"),
        "{}",
        local.show()
    );
    assert!(rules.snapshot().exists());
    assert_eq!(rules.test_in_ci(&[]).code, Some(0));
}

#[test]
fn ci_false_is_not_ci() {
    let rules = Ruleset::new("ci-false");
    std::fs::remove_file(rules.snapshot()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nudge"));
    cmd.arg("test").arg(&rules.dir).env("CI", "false");
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(rules.snapshot().exists());
}

#[test]
fn a_typo_in_an_attribute_is_a_diagnostic_with_its_line() {
    let rules = Ruleset::new("typo");
    rules.edit(
        "tests/basic.yaml",
        "customer: { id: c2, events: { imported_data: [] } }",
        "customer: { id: c2, last_sen_at: 2026-11-20T09:00:00Z, events: { imported_data: [] } }",
    );
    let line = std::fs::read_to_string(rules.path("tests/basic.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("last_sen_at"))
        .unwrap()
        + 1;

    let run = rules.test(&[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    // The miette report on stderr (its header line is never wrapped) …
    assert!(
        run.stderr.contains(&format!("tests/basic.yaml:{line}:25]")),
        "{}",
        run.show()
    );
    assert!(run.stderr.contains("not in the schema"), "{}", run.show());
    assert!(
        run.stderr.contains("did you mean `last_seen_at`?"),
        "{}",
        run.show()
    );
    // … and the same in one line with the failed case.
    assert!(
        run.stdout.contains(&format!(
            "tests/basic.yaml:{line}:25: error: unknown attribute `last_sen_at`"
        )),
        "{}",
        run.show()
    );
    assert!(
        run.stdout
            .contains("✗ user who never imported gets the import tip  (invalid test case)"),
        "{}",
        run.show()
    );
    // The other cases still ran.
    assert_eq!(
        run.last_line(),
        format!("{} passed, 1 failed", CASES - 1),
        "{}",
        run.show()
    );
}

#[test]
fn an_unknown_rule_in_expect_and_bad_yaml_point_at_their_lines() {
    let rules = Ruleset::new("unknown-rule");
    rules.edit("tests/basic.yaml", "send: [per_seat]", "send: [per_set]");
    std::fs::write(
        rules.path("tests/broken.yaml"),
        "now: 2026-11-23T09:00:00Z\ncases:\n  - name: x\n    customer: { id: c1\n",
    )
    .unwrap();

    let run = rules.test(&[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("unknown rule `per_set`"),
        "{}",
        run.show()
    );
    assert!(
        run.stderr.contains("did you mean `per_seat`?"),
        "{}",
        run.show()
    );
    assert!(
        run.stderr.contains("tests/broken.yaml:5:1]"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout
            .contains("tests/broken.yaml:5:1: error: invalid YAML"),
        "{}",
        run.show()
    );
    // One failure for the broken file, one for the case.
    assert_eq!(
        run.last_line(),
        format!("{} passed, 2 failed", CASES - 1),
        "{}",
        run.show()
    );
}

#[test]
fn filter_runs_matching_cases_and_min_coverage_fails_below() {
    let rules = Ruleset::new("filter");
    let run = rules.test(&["--filter", "IMPORT TIP", "--min-coverage", "50"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert_eq!(run.last_line(), "1 passed, 0 failed", "{}", run.show());
    assert!(
        run.stderr
            .contains("rule coverage 0% is below --min-coverage 50%"),
        "{}",
        run.show()
    );

    let none = rules.test(&["--filter", "no such case"]);
    assert_eq!(none.code, Some(1), "{}", none.show());
    assert!(
        none.stderr.contains("no test case matches"),
        "{}",
        none.show()
    );
}

/// Checks that `xml` is well-formed enough for any XML parser: one root,
/// balanced and properly nested tags, quoted attributes, and no `<` or bare
/// `&` in text or attribute values. Returns the element names in order.
fn check_xml(xml: &str) -> Vec<String> {
    fn check_entities(text: &str) {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            let after = &rest[i + 1..];
            let end = after.find(';').expect("an unterminated entity");
            let name = &after[..end];
            assert!(
                ["amp", "lt", "gt", "quot", "apos"].contains(&name) || name.starts_with('#'),
                "unknown entity &{name};"
            );
            rest = &after[end + 1..];
        }
        assert!(!text.contains('<'), "a raw < in {text:?}");
    }
    let mut rest = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("an XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut roots = 0;
    loop {
        let Some(open) = rest.find('<') else {
            assert!(rest.trim().is_empty(), "text after the root: {rest:?}");
            break;
        };
        let text = &rest[..open];
        if stack.is_empty() {
            assert!(text.trim().is_empty(), "text outside the root: {text:?}");
        }
        check_entities(text);
        rest = &rest[open + 1..];
        // The tag runs to the first `>` outside quotes.
        let mut in_quote = false;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => in_quote = !in_quote,
                '>' if !in_quote => {
                    end = Some(i);
                    break;
                }
                '<' => panic!("a < inside a tag"),
                _ => {}
            }
        }
        let end = end.expect("an unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().expect("a closing tag without an opening one");
            assert_eq!(open, name.trim(), "misnested tags");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-'),
            "bad tag name {name:?}"
        );
        // Attributes: name="value" pairs.
        let mut attrs = body[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .expect("an attribute without a quoted value");
            let value_end = attrs[eq + 2..]
                .find('"')
                .expect("an unterminated attribute")
                + eq
                + 2;
            check_entities(&attrs[eq + 2..value_end]);
            attrs = attrs[value_end + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        elements.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "an XML document has exactly one root");
    elements
}

#[test]
fn junit_output_is_well_formed_xml_with_one_testcase_per_case() {
    let rules = Ruleset::new("junit");
    // One failing case, so that a <failure> with escaped text is there too.
    rules.edit("tests/basic.yaml", "send: [per_seat]", "send: []");
    let run = rules.test(&["--format", "junit"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let elements = check_xml(&run.stdout);
    assert_eq!(elements.first().map(String::as_str), Some("testsuites"));
    assert_eq!(
        elements.iter().filter(|e| *e == "testcase").count(),
        CASES,
        "{}",
        run.stdout
    );
    assert_eq!(
        elements.iter().filter(|e| *e == "failure").count(),
        1,
        "{}",
        run.stdout
    );
    // The case name with `& < > "` is escaped, and nothing else is on stdout.
    assert!(run.stdout.contains("name=\"pro user away for 10 days &amp; friends &lt;inactive&gt; get &quot;come back&quot;\""));
    assert!(
        run.stdout
            .contains("<failure message=\"send: expected [], got [per_seat]\">"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.trim_end().ends_with("5 passed, 1 failed"),
        "{}",
        run.show()
    );

    // --junit-out writes the same document next to the human report.
    let out = rules.path("junit.xml");
    let human = rules.test(&["--junit-out", out.to_str().unwrap()]);
    assert_eq!(human.last_line(), "5 passed, 1 failed", "{}", human.show());
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        check_xml(&written)
            .iter()
            .filter(|e| *e == "testcase")
            .count(),
        CASES
    );
}

#[test]
fn the_xml_checker_rejects_broken_documents() {
    for bad in [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a><b></a></b>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x & y</a>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a t=\"<\"/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/><b/>",
    ] {
        assert!(
            std::panic::catch_unwind(|| check_xml(bad)).is_err(),
            "accepted {bad}"
        );
    }
}
