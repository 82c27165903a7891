//! `nudge report` end to end on a synthetic experiment with a known truth:
//! customers are generated, `nudge eval` assigns treated and control groups
//! by its holdout, conversions are simulated from a fixed seed with a higher
//! rate for treated customers of one rule and the same rate for the other,
//! and the report must find the true lift inside its interval and zero
//! inside the interval of the rule without an effect. The statistics are
//! recomputed independently by `tests/report_stats.py` (Python's standard
//! library only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/report");
const NOW: &str = "2026-11-23T09:00:00Z";
const DAY: i64 = 86_400;

/// True conversion rates: import_guide has a +5 point effect, upgrade_pitch none.
const IMPORT_CONTROL: f64 = 0.10;
const IMPORT_TREATED: f64 = 0.15;
const UPGRADE_RATE: f64 = 0.08;

/// splitmix64: a small seeded generator, so the simulation is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nudge-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn nudge(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nudge"))
        .args(args)
        .output()
        .unwrap()
}

fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn secs(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

/// `nudge report` over an experiment directory's decisions and both outcome
/// files, as of `as_of`, with `extra` arguments.
fn report_in(dir: &Path, as_of: &str, extra: &[&str]) -> std::process::Output {
    let decisions = dir.join("decisions.ndjson");
    let outcomes = [dir.join("outcomes-1.ndjson"), dir.join("outcomes-2.ndjson")];
    let mut args = vec![
        "report",
        "--rules",
        RULES,
        "--decisions",
        decisions.to_str().unwrap(),
        "--outcomes",
        outcomes[0].to_str().unwrap(),
        outcomes[1].to_str().unwrap(),
        "--as-of",
        as_of,
    ];
    args.extend_from_slice(extra);
    nudge(&args)
}

/// [`report_in`], which must succeed.
fn report_ok(dir: &Path, as_of: &str, extra: &[&str]) -> std::process::Output {
    let out = report_in(dir, as_of, extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the experiment: eval, simulated outcomes, report. Returns the JSON
/// report and the directory holding every file.
fn experiment(customers: usize, seed: u64) -> (Value, PathBuf) {
    let dir = temp_dir(&format!("e2e-{seed}"));
    let snapshots = dir.join("customers.ndjson");
    let mut lines = String::new();
    for i in 0..customers {
        let plan = if i % 10 == 9 { "pro" } else { "trial" };
        let c =
            json!({"id": format!("c{i:06}"), "plan": plan, "signed_up_at": "2026-11-01T09:00:00Z"});
        lines.push_str(&c.to_string());
        lines.push('\n');
    }
    std::fs::write(&snapshots, lines).unwrap();
    let decisions = dir.join("decisions.ndjson");
    let eval = nudge(&[
        "eval",
        "--rules",
        RULES,
        "--snapshots",
        snapshots.to_str().unwrap(),
        "--now",
        NOW,
        "--out",
        decisions.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );

    // Simulate what customers did after the decision, from a fixed seed.
    let mut rng = Rng(seed);
    let mut events: std::collections::BTreeMap<String, (Vec<String>, Vec<Value>)> =
        Default::default();
    let text = std::fs::read_to_string(&decisions).unwrap();
    for line in text.lines() {
        let d: Value = serde_json::from_str(line).unwrap();
        let id = d["customer"].as_str().unwrap().to_string();
        let treated = d["outcome"] == "send";
        let start = secs(d["deliver_at"].as_str().unwrap_or(NOW));
        let entry = events.entry(id).or_default();
        match d["rule"].as_str().unwrap() {
            "import_guide" => {
                let p = if treated {
                    IMPORT_TREATED
                } else {
                    IMPORT_CONTROL
                };
                if rng.chance(p) {
                    let after = 3_600 + (rng.next() % (6 * DAY as u64)) as i64;
                    entry.0.push(time(start + after));
                } else if rng.chance(0.2) {
                    // Too late: after the 7-day window.
                    entry.0.push(time(start + 8 * DAY));
                }
            }
            "upgrade_pitch" => {
                if rng.chance(UPGRADE_RATE) {
                    let after = 3_600 + (rng.next() % (13 * DAY as u64)) as i64;
                    entry
                        .1
                        .push(json!({"at": time(start + after), "tier": "pro"}));
                }
                if rng.chance(0.1) {
                    // Not the goal: another tier, inside the window.
                    entry
                        .1
                        .push(json!({"at": time(start + DAY), "tier": "starter"}));
                }
            }
            other => panic!("unexpected rule {other}"),
        }
    }
    // Outcome snapshots hold only ids and events (no attributes), and a
    // tenth of the customers is in a second file.
    let (mut first, mut second) = (String::new(), String::new());
    for (i, (id, (imported, upgraded))) in events.iter().enumerate() {
        let c = json!({"id": id, "events": {"imported_data": imported, "upgraded": upgraded}});
        let out = if i % 10 == 0 { &mut second } else { &mut first };
        out.push_str(&c.to_string());
        out.push('\n');
    }
    let outcomes = [dir.join("outcomes-1.ndjson"), dir.join("outcomes-2.ndjson")];
    std::fs::write(&outcomes[0], first).unwrap();
    std::fs::write(&outcomes[1], second).unwrap();
    let report = report_ok(&dir, &time(secs(NOW) + 30 * DAY), &["--format", "json"]);
    let value: Value = serde_json::from_slice(&report.stdout).unwrap();
    std::fs::write(dir.join("report.json"), &report.stdout).unwrap();
    (value, dir)
}

fn rule<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("no rule {name} in {report:#}"))
}

fn interval(comparison: &Value) -> (f64, f64) {
    let ci = &comparison["lift"]["absolute_ci"];
    (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap())
}

#[test]
fn synthetic_experiment_recovers_the_true_lift_and_finds_no_effect_where_there_is_none() {
    let (report, dir) = experiment(20_000, 1);
    // 18,000 trial customers, half held out by each rule.
    let import = rule(&report, "import_guide");
    let control = import["control"]["customers"].as_u64().unwrap();
    let treated = import["overall"]["treated"]["customers"].as_u64().unwrap();
    assert_eq!(control + treated, 18_000, "{import:#}");
    assert!((8_500..9_500).contains(&control), "{control}");
    assert_eq!(import["goal"], "goal imported_data within 7 days");

    let (lo, hi) = interval(&import["overall"]);
    let truth = IMPORT_TREATED - IMPORT_CONTROL;
    assert!(
        lo <= truth && truth <= hi,
        "true lift {truth} outside [{lo}, {hi}]"
    );
    assert!(lo > 0.0, "the effect is found: [{lo}, {hi}]");
    assert_eq!(import["overall"]["verdict"], "lift");
    assert!(import["overall"]["lift"]["p_value"].as_f64().unwrap() < 0.001);
    assert_eq!(import["variants"], json!([]));
    let rate = import["control"]["rate"].as_f64().unwrap();
    assert!((rate - IMPORT_CONTROL).abs() < 0.02, "control rate {rate}");

    let upgrade = rule(&report, "upgrade_pitch");
    for comparison in
        std::iter::once(&upgrade["overall"]).chain(upgrade["variants"].as_array().unwrap())
    {
        let (lo, hi) = interval(comparison);
        assert!(
            lo <= 0.0 && 0.0 <= hi,
            "no effect, yet [{lo}, {hi}]: {comparison:#}"
        );
        assert_eq!(comparison["verdict"], "no_clear_difference");
    }
    let variants: Vec<&str> = upgrade["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["treated"]["label"].as_str().unwrap())
        .collect();
    assert_eq!(variants, ["pitch_a", "pitch_b"]);

    // The page of this experiment stays in target/tmp for
    // bench/screenshot-report.sh to render.
    let page = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lift-report.html");
    report_in(
        &dir,
        "2026-12-23T09:00:00Z",
        &["--out", page.to_str().unwrap()],
    );
    assert_no_external_requests(&std::fs::read_to_string(&page).unwrap());

    // The statistics, recomputed independently from the counts.
    let check = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/report_stats.py"
        ))
        .arg(dir.join("report.json"))
        .output()
        .expect("python3 runs the independent check");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn small_samples_and_pending_windows_give_no_verdict() {
    let (report, dir) = experiment(150, 11);
    for name in ["import_guide", "upgrade_pitch"] {
        let r = rule(&report, name);
        assert_eq!(r["overall"]["verdict"], "not_enough_data", "{r:#}");
        assert_eq!(r["overall"]["lift"], Value::Null);
    }
    // As of the decision itself, every window is still open.
    let out = report_ok(&dir, NOW, &["--format", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("## import_guide"), "{md}");
    assert!(md.contains("not enough data (needs 100 per group)"), "{md}");
    assert!(
        md.contains("still inside the goal window are left out"),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn html_page_is_self_contained_with_a_chart() {
    let (_, dir) = experiment(3_000, 5);
    let page = dir.join("lift.html");
    report_in(
        &dir,
        "2026-12-23T09:00:00Z",
        &["--out", page.to_str().unwrap()],
    );
    // The Markdown of the same experiment, pinned.
    let md = report_ok(&dir, "2026-12-23T09:00:00Z", &[]);
    insta::assert_snapshot!("report_markdown", String::from_utf8(md.stdout).unwrap());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 4, "two charts per rule");
    assert!(html.contains("“pitch_a”") && html.contains("control (held out)"));
    assert_no_external_requests(&html);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// No `http(s)://` or protocol-relative URL anywhere: not in `src`, `href`,
/// `url(…)`, nor in text, so nothing can be fetched.
fn assert_no_external_requests(html: &str) {
    let lower = html.to_ascii_lowercase();
    for needle in [
        "http://", "https://", "src=", "href=", "url(", "@import", "<script", "<link", "//cdn",
    ] {
        assert!(!lower.contains(needle), "the page contains {needle:?}");
    }
}

#[test]
fn bad_lines_are_reported_with_file_and_line() {
    let dir = temp_dir("bad");
    std::fs::write(
        dir.join("decisions.ndjson"),
        "{\"customer\": \"c1\", \"rule\": \"import_guide\", \"outcome\": \"held_out\", \"now\": \"2026-11-23T09:00:00Z\"}\nnot json\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("outcomes-1.ndjson"),
        "{\"id\": \"c1\", \"events\": {\"imported_data\": [\"2026-11-24T09:00:00Z\"]}}\n{\"events\": {}}\n",
    )
    .unwrap();
    std::fs::write(dir.join("outcomes-2.ndjson"), "").unwrap();
    let out = report_in(&dir, "2026-12-23T09:00:00Z", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("decisions.ndjson:2: not a decision record"),
        "{stderr}"
    );
    assert!(
        stderr.contains("outcomes-1.ndjson:2: missing `id`"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let import = rule(&report, "import_guide");
    assert_eq!(import["control"]["converted"], 1);
    assert_eq!(import["overall"]["verdict"], "not_enough_data");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `explain` shows a rule's goal under its name.
#[test]
fn explain_shows_the_goal() {
    let dir = temp_dir("explain");
    let customer = dir.join("c.json");
    std::fs::write(
        &customer,
        r#"{"id": "c1", "plan": "trial", "signed_up_at": "2026-11-01T09:00:00Z"}"#,
    )
    .unwrap();
    let out = nudge(&[
        "explain",
        "--rules",
        RULES,
        "--customer",
        customer.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.starts_with("customer c1 at"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("explain_with_goals", text);
    std::fs::remove_dir_all(&dir).unwrap();
}
