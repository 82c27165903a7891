//! The catalogue of bad inputs (docs/errors.md): for each, what nudge
//! answers — the exit code and the first lines of stderr — pinned in one
//! insta snapshot. Every case runs the real binary in its own temporary
//! directory, with relative paths, so the answers read as a user sees them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A schema, policy and one valid rule: the ruleset most check cases add
/// one mistake to (as `r/case.nudge`).
const BASE: &str = "schema {\n  plan: \"trial\" | \"pro\"\n  signed_up_at: time\n  seats: int\n  vip: bool\n  event logged_in\n}\n\npolicy {\n  channels email, push\n  activity signed_up_at\n  consent email when vip\n  consent push when vip\n}\n";

/// A valid customer of the bundled `rules/`.
fn good_customer() -> String {
    let text = std::fs::read_to_string("examples/customers.ndjson").unwrap();
    text.lines().next().unwrap().to_string()
}

/// `good` with the value of its top-level `key` (as JSON) replaced by
/// `to`; panics if the line does not spell the member as expected, so a
/// case never silently tests a valid customer.
fn with_member(good: &str, key: &str, to: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(good).unwrap();
    let from = format!("\"{key}\":{}", value[key]);
    assert!(good.contains(&from), "{from} not in {good}");
    good.replacen(&from, &format!("\"{key}\":{to}"), 1)
}

/// What a case puts in its directory before running.
enum File {
    Text(&'static str, String),
    Bytes(&'static str, Vec<u8>),
    Fifo(&'static str),
    /// The bundled `rules/` (with its tests) copied to `rules/`.
    BundledRules,
}

struct Case {
    name: &'static str,
    files: Vec<File>,
    args: Vec<String>,
}

fn rule_case(name: &'static str, text: impl Into<String>) -> Case {
    Case {
        name,
        files: vec![
            File::Text("r/base.nudge", BASE.to_string()),
            File::Text("r/case.nudge", text.into()),
        ],
        args: vec!["check".into(), "r".into()],
    }
}

fn rule(when: &str, extra: &str) -> String {
    format!("rule r {{\n  when {when}\n  send email \"m\"\n  cooldown 7 days\n{extra}}}\n")
}

fn run_case(root: &Path, case: &Case) -> String {
    let dir = root.join(case.name);
    std::fs::create_dir_all(&dir).unwrap();
    for file in &case.files {
        match file {
            File::Text(path, text) => write(&dir.join(path), text.as_bytes()),
            File::Bytes(path, bytes) => write(&dir.join(path), bytes),
            File::Fifo(path) => {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                assert!(Command::new("mkfifo")
                    .arg(&path)
                    .status()
                    .unwrap()
                    .success());
            }
            File::BundledRules => copy_dir(Path::new("rules"), &dir.join("rules")),
        }
    }
    let err_path = root.join(format!("{}.stderr", case.name));
    let mut child = Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(&case.args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).to_string();
    let first: Vec<String> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        // The run time of `nudge eval`'s summary changes from run to run.
        .filter(|l| !l.ends_with("customers/s"))
        .take(4)
        .map(|l| l.chars().take(160).collect())
        .collect();
    format!(
        "## {} — `nudge {}`\nexit: {}\n{}\n",
        case.name,
        case.args.join(" "),
        match status {
            None => "still running after 20 s".to_string(),
            Some(s) => s.code().map_or("signal".into(), |c| c.to_string()),
        },
        first.join("\n")
    )
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            copy_dir(&path, &to.join(path.file_name().unwrap()));
        } else {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `nudge eval` of the bundled rules over `snapshots` (written as `in.EXT`).
fn eval_case(name: &'static str, file: &'static str, content: Vec<u8>) -> Case {
    Case {
        name,
        files: vec![File::BundledRules, File::Bytes(file, content)],
        args: args(&[
            "eval",
            "--rules",
            "rules",
            "--now",
            "2026-11-23T09:00:00Z",
            "--quiet",
            "--snapshots",
            file,
        ]),
    }
}

/// [`eval_case`] with the summary on stderr (no `--quiet`).
fn eval_summary_case(name: &'static str, file: &'static str, content: Vec<u8>) -> Case {
    let mut case = eval_case(name, file, content);
    case.args.retain(|a| a != "--quiet");
    case
}

/// A YAML "billion laughs": nine levels of aliases, each nine times the last.
fn yaml_alias_bomb() -> Vec<u8> {
    let mut text =
        String::from("a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("id: x\n");
    text.into_bytes()
}

fn explain_case(name: &'static str, file: &'static str, content: Vec<u8>, extra: &[&str]) -> Case {
    let mut a = args(&[
        "explain",
        "--rules",
        "rules",
        "--now",
        "2026-11-23T09:00:00Z",
        "--customer",
        file,
    ]);
    a.extend(args(extra));
    Case {
        name,
        files: vec![File::BundledRules, File::Bytes(file, content)],
        args: a,
    }
}

fn test_case(name: &'static str, yaml: String) -> Case {
    Case {
        name,
        files: vec![
            File::BundledRules,
            File::Text("rules/tests/zz_case.yaml", yaml),
        ],
        args: args(&["test", "rules"]),
    }
}

fn serve_case(name: &'static str, extra: &[&str], files: Vec<File>) -> Case {
    let mut a = args(&["serve", "--rules", "rules"]);
    a.extend(args(extra));
    let mut f = vec![File::BundledRules];
    f.extend(files);
    Case {
        name,
        files: f,
        args: a,
    }
}

fn cases() -> Vec<Case> {
    let good = good_customer();
    let deep_dirs = {
        let mut path = String::from("r");
        for i in 0..18 {
            path.push_str(&format!("/d{i}"));
        }
        path
    };
    let deep_dirs: &'static str = Box::leak(format!("{deep_dirs}/x.nudge").into_boxed_str());
    let mut cases = vec![
        // ------------------------------------------------------------ check
        rule_case("check_missing_send", "rule r {\n  when vip\n  cooldown 7 days\n}\n"),
        rule_case("check_unclosed_brace", "rule r {\n  when vip\n  send email \"m\"\n"),
        rule_case("check_stray_close_brace", format!("{}}}\n", rule("vip", ""))),
        rule_case("check_duration_months", rule("vip", "").replace("7 days", "3 months")),
        rule_case("check_duration_without_unit", rule("vip", "").replace("7 days", "14")),
        rule_case("check_unterminated_string", "rule r {\n  when vip\n  send email \"m\n  cooldown 7 days\n}\n"),
        rule_case("check_single_equals", rule("plan = \"trial\"", "")),
        rule_case("check_double_ampersand", rule("vip && seats > 1", "")),
        rule_case("check_unknown_name", rule("plann == \"trial\"", "")),
        rule_case("check_unknown_enum_value", rule("plan == \"gold\"", "")),
        rule_case("check_type_mismatch", rule("plan > 5", "")),
        rule_case("check_uppercase_name", rule("vip", "").replace("rule r", "rule MyRule")),
        rule_case("check_unknown_channel", rule("vip", "").replace("send email", "send sms")),
        rule_case("check_missing_cooldown", "rule r {\n  when vip\n  send email \"m\"\n}\n"),
        rule_case("check_duplicate_rule", format!("{}{}", rule("vip", ""), rule("seats > 1", "").replace("\"m\"", "\"n\""))),
        rule_case("check_holdout_over_100", rule("vip", "  holdout 150%\n")),
        rule_case("check_bad_clock_time", "policy {\n  quiet hours 25:00 to 07:00\n}\n"),
        rule_case("check_unknown_escape", rule("vip", "").replace("\"m\"", "\"a\\qb\"")),
        rule_case("check_bad_unicode_escape", rule("vip", "").replace("\"m\"", "\"a\\u{110000}b\"")),
        rule_case("check_priority_above_i64", rule("vip", "  priority 9223372036854775808\n")),
        rule_case("check_priority_below_i64", rule("vip", "  priority -9223372036854775809\n")),
        rule_case("check_priority_2_pow_64", rule("vip", "  priority 18446744073709551616\n")),
        rule_case("check_integer_literal_too_large", rule("seats > 99999999999999999999", "")),
        rule_case("check_cooldown_too_long", rule("vip", "").replace("7 days", "99999999999999 weeks")),
        rule_case("check_window_too_long", rule("never logged_in within 9999999999 days", "")),
        rule_case("check_parentheses_700", rule(&format!("{}vip{}", "(".repeat(700), ")".repeat(700)), "")),
        rule_case("check_not_10000", rule(&format!("{}vip", "not ".repeat(10_000)), "")),
        rule_case("check_unary_minus_10000", rule(&format!("seats > {}1", "- ".repeat(10_000)), "")),
        rule_case("check_or_chain_2000", rule(&vec!["vip"; 2_000].join(" or "), "")),
        rule_case("check_and_chain_11000", rule(&vec!["vip"; 11_000].join(" and "), "")),
        rule_case("check_line_past_column_65535", rule(&format!("vip{}and plann == 1", " ".repeat(70_000)), "")),
        rule_case("check_error_at_end_of_item", "segment a = \nsegment b = plan = \"trial\"\n".to_string()),
        Case {
            name: "check_byte_order_mark_accepted",
            files: vec![File::Bytes("r/base.nudge", [b"\xEF\xBB\xBF".as_slice(), BASE.as_bytes()].concat()), File::Text("r/case.nudge", rule("vip", ""))],
            args: args(&["check", "r"]),
        },
        Case {
            name: "check_not_utf8",
            files: vec![File::Text("r/base.nudge", BASE.into()), File::Bytes("r/case.nudge", b"rule r {\n  when vip \xFF\n}\n".to_vec())],
            args: args(&["check", "r"]),
        },
        Case {
            name: "check_fifo_rule_file",
            files: vec![File::Text("r/base.nudge", BASE.into()), File::Fifo("r/x.nudge")],
            args: args(&["check", "r"]),
        },
        Case {
            name: "check_directories_too_deep",
            files: vec![File::Text("r/base.nudge", BASE.into()), File::Text(deep_dirs, rule("vip", ""))],
            args: args(&["check", "r"]),
        },
        Case { name: "check_missing_directory", files: vec![], args: args(&["check", "nowhere"]) },
        Case { name: "check_empty_directory", files: vec![File::Text("r/README", "no rules".into())], args: args(&["check", "r"]) },
        // ------------------------------------------------------------- eval
        eval_case("eval_yaml_bad_indent", "in.yaml", b"id: x\n  bad: indent\n".to_vec()),
        eval_case("eval_yaml_one_bad_document", "in.yaml", b"id: a\n---\nid: b\n  bad: indent\n---\nid: c\n".to_vec()),
        eval_case("eval_yaml_one_bracket", "in.yaml", b"[".to_vec()),
        eval_case("eval_not_json", "in.ndjson", b"{id: x}\n".to_vec()),
        eval_case("eval_truncated_json", "in.ndjson", format!("{}\n{}\n", good, &good[..good.len() / 2]).into_bytes()),
        eval_case("eval_blank_lines", "in.ndjson", format!("{good}\n\n   \n").into_bytes()),
        eval_case("eval_not_utf8_line", "in.ndjson", [format!("{good}\n").as_bytes(), b"{\"id\": \"\xFF\"}\n"].concat()),
        eval_case("eval_missing_id", "in.ndjson", b"{\"plan\": \"pro\"}\n".to_vec()),
        eval_case("eval_wrong_type", "in.ndjson", format!("{}\n", with_member(&good, "seats_paid", "\"one\"")).into_bytes()),
        eval_case("eval_bad_timestamp", "in.ndjson", format!("{}\n", with_member(&good, "signed_up_at", "\"yesterday\"")).into_bytes()),
        eval_case("eval_unknown_plan", "in.ndjson", format!("{}\n", with_member(&good, "plan", "\"gold\"")).into_bytes()),
        eval_case("eval_unknown_keys", "in.ndjson", format!("{}\n", good.replacen("{", "{\"shoe_size\": 44, ", 1)).into_bytes()),
        eval_case("eval_duplicate_ids", "in.ndjson", format!("{good}\n{good}\n").into_bytes()),
        eval_case("eval_json_array_of_numbers", "in.json", b"[1, 2]".to_vec()),
        eval_case("eval_byte_order_mark", "in.ndjson", [b"\xEF\xBB\xBF".as_slice(), format!("{good}\n").as_bytes()].concat()),
        eval_case("eval_byte_order_mark_yaml", "in.yaml", [b"\xEF\xBB\xBF".as_slice(), b"id: a\nplan: pro\n"].concat()),
        eval_case("eval_byte_order_mark_json_array", "in.json", [b"\xEF\xBB\xBF[".as_slice(), good.as_bytes(), b"]"].concat()),
        eval_summary_case("eval_blank_lines_counted", "in.ndjson", format!("\n{good}\n  \t\n\n").into_bytes()),
        eval_summary_case("eval_unknown_keys_named", "in.ndjson", format!("{}\n", good.replacen("{", "{\"shoe_size\": 44, \"hat\": 1, ", 1)).into_bytes()),
        eval_summary_case("eval_wrong_type_summary", "in.ndjson", format!("{}\n", with_member(&good, "seats_paid", "\"one\"")).into_bytes()),
        eval_summary_case("eval_bad_timestamp_summary", "in.ndjson", format!("{}\n", with_member(&good, "signed_up_at", "\"yesterday\"")).into_bytes()),
        eval_case("eval_json_not_an_object", "in.ndjson", b"not json\n".to_vec()),
        eval_case("eval_json_unquoted_null", "in.ndjson", b"{\"id\": \"a\", \"churned_at\": nul}\n".to_vec()),
        eval_case("eval_json_python_literals", "in.ndjson", b"{\"id\": \"a\", \"vip\": True}\n".to_vec()),
        eval_case("eval_json_single_quotes", "in.ndjson", b"{'id': 'a'}\n".to_vec()),
        eval_case("eval_json_trailing_comma", "in.ndjson", b"{\"id\": \"a\", \"seats_paid\": 1,}\n".to_vec()),
        eval_case("eval_json_missing_comma", "in.ndjson", b"{\"id\": \"a\" \"seats_paid\": 1}\n".to_vec()),
        eval_case("eval_json_missing_colon", "in.ndjson", b"{\"id\" \"a\"}\n".to_vec()),
        eval_case("eval_json_two_objects_on_a_line", "in.ndjson", b"{\"id\": \"a\"} {\"id\": \"b\"}\n".to_vec()),
        eval_case("eval_json_unclosed_object", "in.ndjson", b"{\"id\": \"a\", \"company\": {\"name\": \"A\"}\n".to_vec()),
        eval_case("eval_json_bad_escape", "in.ndjson", b"{\"id\": \"a\\q\"}\n".to_vec()),
        eval_case("eval_json_leading_zero", "in.ndjson", b"{\"id\": \"a\", \"seats_paid\": 01}\n".to_vec()),
        eval_case("eval_json_array_syntax", "in.json", b"[\n  {\"id\": \"a\"},\n  {id: \"b\"}\n]\n".to_vec()),
        eval_case("eval_yaml_not_a_mapping", "in.yaml", b"id: a\n---\n- 1\n- 2\n---\njust text\n".to_vec()),
        eval_case("eval_yaml_alias_bomb", "in.yaml", yaml_alias_bomb()),
        eval_case("eval_yaml_alias_loop", "in.yaml", b"id: &a [*a]\n".to_vec()),
        Case { name: "eval_missing_snapshot_file", files: vec![File::BundledRules], args: args(&["eval", "--rules", "rules", "--quiet", "--snapshots", "nowhere.ndjson"]) },
        Case { name: "eval_bad_now", files: vec![File::BundledRules], args: args(&["eval", "--rules", "rules", "--now", "tomorrow", "--snapshots", "-"]) },
        Case { name: "eval_threads_0", files: vec![File::BundledRules], args: args(&["eval", "--rules", "rules", "--threads", "0", "--snapshots", "-"]) },
        Case { name: "eval_threads_100000", files: vec![File::BundledRules], args: args(&["eval", "--rules", "rules", "--threads", "100000", "--snapshots", "-"]) },
        Case { name: "eval_broken_rules", files: vec![File::Text("r/base.nudge", BASE.into()), File::Text("r/case.nudge", rule("plann", ""))], args: args(&["eval", "--rules", "r", "--snapshots", "-"]) },
        // ---------------------------------------------------------- explain
        explain_case("explain_unknown_id", "c.ndjson", format!("{good}\n").into_bytes(), &["--id", "nobody"]),
        explain_case("explain_yaml_bad_indent", "c.yaml", b"id: x\n  bad: indent\n".to_vec(), &[]),
        explain_case("explain_not_utf8_line", "c.ndjson", [b"{\"id\": \"\xFF\"}\n".as_slice(), format!("{good}\n").as_bytes()].concat(), &[]),
        explain_case("explain_empty_file", "c.ndjson", Vec::new(), &[]),
        explain_case("explain_not_json", "c.json", b"customer".to_vec(), &[]),
        explain_case("explain_byte_order_mark", "c.ndjson", [b"\xEF\xBB\xBF".as_slice(), format!("{good}\n").as_bytes()].concat(), &[]),
        explain_case("explain_byte_order_mark_yaml", "c.yaml", [b"\xEF\xBB\xBF".as_slice(), b"id: a\nplan: pro\n"].concat(), &[]),
        explain_case("explain_bad_lines_then_a_customer", "c.ndjson", [b"{id: \"x\"}\n\xFF\n".as_slice(), format!("{good}\n").as_bytes()].concat(), &[]),
        explain_case("explain_yaml_alias_bomb", "c.yaml", yaml_alias_bomb(), &[]),
        // ------------------------------------------------------------- test
        test_case("test_yaml_syntax_error", "now: 2026-11-23T09:00:00Z\ncases:\n  - name: x\n   customer: {}\n".into()),
        test_case("test_unknown_rule", "now: 2026-11-23T09:00:00Z\ncases:\n  - name: unknown rule\n    customer: { id: t1, plan: trial }\n    expect: { no_such_rule: send }\n".into()),
        test_case("test_missing_now", "cases:\n  - name: x\n    customer: { id: t1 }\n".into()),
        test_case("test_failing_expectation", "now: 2026-11-23T09:00:00Z\ncases:\n  - name: expects a welcome that never comes\n    customer: { id: t1, plan: pro, signed_up_at: 2020-01-01T00:00:00Z, seats_paid: 1, seats_active: 1, mrr: 0, open_tickets: 0, vip: false, email_opt_in: true, push_opt_in: true, feature_requests: [], shipped_features: [], company: { name: A } }\n    expect: { import_guide: send }\n".into()),
        Case { name: "test_no_tests_directory", files: vec![File::Text("r/base.nudge", BASE.into())], args: args(&["test", "r"]) },
        // ------------------------------------------------------------ serve
        serve_case("serve_public_address_without_token", &["--addr", "0.0.0.0:0"], vec![]),
        serve_case("serve_bad_address", &["--addr", "localhost"], vec![]),
        serve_case("serve_bad_max_body", &["--max-body", "lots"], vec![]),
        serve_case("serve_bad_timeout", &["--timeout", "soon"], vec![]),
        serve_case("serve_missing_token_file", &["--token-file", "nowhere"], vec![]),
        Case { name: "serve_broken_rules", files: vec![File::Text("r/base.nudge", BASE.into()), File::Text("r/case.nudge", rule("plann", ""))], args: args(&["serve", "--rules", "r", "--addr", "127.0.0.1:0"]) },
        Case { name: "serve_too_deep_rules", files: vec![File::Text("r/base.nudge", BASE.into()), File::Text("r/case.nudge", rule(&format!("{}vip{}", "(".repeat(160), ")".repeat(160)), ""))], args: args(&["serve", "--rules", "r", "--addr", "127.0.0.1:0"]) },
    ];
    cases.sort_by_key(|c| c.name);
    cases
}

#[test]
fn every_bad_input_gets_its_pinned_answer() {
    let root: PathBuf =
        std::env::temp_dir().join(format!("nudge-bad-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let mut out = String::new();
    for case in &cases {
        let answer = run_case(&root, case);
        // No crash, no hang, no panic: a clear error or a documented answer.
        assert!(!answer.contains("exit: signal"), "{answer}");
        assert!(!answer.contains("exit: still running"), "{answer}");
        assert!(!answer.contains("exit: 101"), "{answer}");
        assert!(!answer.contains("panicked"), "{answer}");
        out.push_str(&answer);
        out.push('\n');
    }
    let _ = std::fs::remove_dir_all(&root);
    insta::assert_snapshot!("catalogue", out);
}
