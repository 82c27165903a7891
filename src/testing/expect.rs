//! Comparing a case's decisions with its `expect`.

use crate::decision::{Decision, Outcome};
use crate::program::Program;

use super::file::{parse_instant, Expect};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Which check: `send`, `suppressed`, `message of import_guide`, …
    pub check: String,
    /// What the case expected, as shown in the report.
    pub expected: String,
    /// What the decisions gave, as shown in the report.
    pub got: String,
    /// The rules whose decisions explain the difference (their `because` is
    /// shown with the failure).
    pub rules: Vec<String>,
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn pairs(items: &[(String, String)]) -> String {
    if items.is_empty() {
        return String::from("{}");
    }
    let inner: Vec<String> = items.iter().map(|(a, b)| format!("{a}: {b}")).collect();
    format!("{{ {} }}", inner.join(", "))
}

fn with_outcome(decisions: &[Decision], outcome: Outcome) -> Vec<&Decision> {
    decisions.iter().filter(|d| d.outcome == outcome).collect()
}

/// Exact set comparison of the rules with `outcome`.
fn exact(
    check: &str,
    expected: &[String],
    decisions: &[Decision],
    outcome: Outcome,
    out: &mut Vec<Failure>,
) {
    let got: Vec<String> = with_outcome(decisions, outcome)
        .iter()
        .map(|d| d.rule.clone())
        .collect();
    let mut differing: Vec<String> = expected
        .iter()
        .filter(|r| !got.contains(r))
        .cloned()
        .collect();
    differing.extend(got.iter().filter(|r| !expected.contains(r)).cloned());
    if differing.is_empty() {
        return;
    }
    // Show the expected list in arbitration order, like the actual one.
    let mut expected_sorted: Vec<String> = Vec::new();
    for d in decisions {
        if expected.contains(&d.rule) {
            expected_sorted.push(d.rule.clone());
        }
    }
    out.push(Failure {
        check: check.to_string(),
        expected: list(&expected_sorted),
        got: list(&got),
        rules: differing,
    });
}

fn decision<'a>(decisions: &'a [Decision], rule: &str) -> Option<&'a Decision> {
    decisions.iter().find(|d| d.rule == rule)
}

/// "suppressed (by `support_first`)", "no_match", …: what a rule got.
fn outcome_text(d: Option<&Decision>) -> String {
    match d {
        None => String::from("no decision"),
        Some(d) => match (&d.outcome, &d.detail.suppression) {
            (Outcome::Suppressed, Some(s)) => format!("suppressed by {s}"),
            (o, _) => o.to_string(),
        },
    }
}

/// Numbers compare by value, times by instant, everything else exactly.
fn same_value(expected: &serde_json::Value, got: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (expected, got) {
        (J::Number(a), J::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        (J::String(a), J::String(b)) => {
            a == b || matches!((parse_instant(a), parse_instant(b)), (Some(x), Some(y)) if x == y)
        }
        (J::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
        }
        (J::Object(a), J::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_value(v, w)))
        }
        (a, b) => a == b,
    }
}

fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Every expectation of `expect` that the decisions (one per rule, made with
/// explain) do not meet.
pub fn compare(program: &Program, expect: &Expect, decisions: &[Decision]) -> Vec<Failure> {
    let mut out = Vec::new();
    exact("send", &expect.send, decisions, Outcome::Send, &mut out);
    if let Some(l) = &expect.held_out {
        exact("held_out", l, decisions, Outcome::HeldOut, &mut out);
    }
    if let Some(expected) = &expect.suppressed {
        let got: Vec<(String, String)> = with_outcome(decisions, Outcome::Suppressed)
            .iter()
            .map(|d| {
                (
                    d.rule.clone(),
                    d.detail.suppression.clone().unwrap_or_default(),
                )
            })
            .collect();
        let mut differing: Vec<String> = expected
            .iter()
            .filter(|p| !got.contains(p))
            .map(|(r, _)| r.clone())
            .collect();
        for (r, _) in got.iter().filter(|p| !expected.contains(p)) {
            if !differing.contains(r) {
                differing.push(r.clone());
            }
        }
        if !differing.is_empty() {
            out.push(Failure {
                check: String::from("suppressed"),
                expected: pairs(expected),
                got: pairs(&got),
                rules: differing,
            });
        }
    }
    if let Some(l) = &expect.capped {
        exact("capped", l, decisions, Outcome::Capped, &mut out);
    }
    if let Some(l) = &expect.cooldown {
        exact("cooldown", l, decisions, Outcome::Cooldown, &mut out);
    }
    if let Some(l) = &expect.error {
        exact("error", l, decisions, Outcome::Error, &mut out);
    }
    for (rule, message) in &expect.messages {
        let d = decision(decisions, rule);
        if d.and_then(|d| d.message.as_deref()) != Some(message.as_str()) {
            let got = match d.and_then(|d| d.message.as_deref()) {
                Some(m) => format!("\"{m}\""),
                None => format!("no message ({})", outcome_text(d)),
            };
            out.push(Failure {
                check: format!("message of {rule}"),
                expected: format!("\"{message}\""),
                got,
                rules: vec![rule.clone()],
            });
        }
    }
    for (rule, channel) in &expect.channels {
        let d = decision(decisions, rule);
        let got = d.and_then(|d| d.channel.clone()).or_else(|| {
            program
                .rule(rule)
                .map(|r| program.channel_name(r.channel).to_string())
        });
        if got.as_deref() != Some(channel.as_str()) {
            out.push(Failure {
                check: format!("channel of {rule}"),
                expected: channel.clone(),
                got: got.unwrap_or_else(|| String::from("none")),
                rules: vec![rule.clone()],
            });
        }
    }
    for (rule, expected) in &expect.params {
        let d = decision(decisions, rule);
        let Some(params) = d.and_then(|d| d.params.as_ref()) else {
            out.push(Failure {
                check: format!("params of {rule}"),
                expected: json_text(&serde_json::Value::Object(expected.clone())),
                got: format!("no params ({}; params come with a send)", outcome_text(d)),
                rules: vec![rule.clone()],
            });
            continue;
        };
        for (key, want) in expected {
            let got = params.get(key);
            if !got.is_some_and(|g| same_value(want, g)) {
                out.push(Failure {
                    check: format!("param `{key}` of {rule}"),
                    expected: json_text(want),
                    got: match got {
                        Some(g) => json_text(g),
                        None => format!(
                            "no `{key}` (it has: {})",
                            params.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    },
                    rules: vec![rule.clone()],
                });
            }
        }
    }
    for (rule, at) in &expect.deliver_at {
        let d = decision(decisions, rule);
        let got = d.and_then(|d| d.deliver_at.clone());
        let same = match (&got, parse_instant(at)) {
            (Some(g), Some(want)) => parse_instant(g) == Some(want),
            _ => false,
        };
        if !same {
            out.push(Failure {
                check: format!("deliver_at of {rule}"),
                expected: at.clone(),
                got: got.unwrap_or_else(|| {
                    format!(
                        "no delivery ({}; only a send is delivered)",
                        outcome_text(d)
                    )
                }),
                rules: vec![rule.clone()],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_compare_numbers_and_times_loosely() {
        assert!(same_value(&json!(1), &json!(1.0)));
        assert!(same_value(
            &json!("2026-11-23T10:00:00+01:00"),
            &json!("2026-11-23T09:00:00Z")
        ));
        assert!(!same_value(&json!("a"), &json!("b")));
        assert!(!same_value(&json!(1), &json!("1")));
    }
}
