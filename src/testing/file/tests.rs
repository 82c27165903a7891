//! Reading test files: the diagnostics for every kind of mistake, pinned
//! by snapshots.

use serde_yaml::Value as Yaml;

use super::*;
use crate::syntax::FileId;

#[test]
fn deep_merge_merges_maps_and_lets_the_case_win() {
    let under: Yaml =
        serde_yaml::from_str("{ plan: trial, company: { name: Acme, industry: x }, tags: [a] }")
            .unwrap_or(Yaml::Null);
    let over: Yaml =
        serde_yaml::from_str("{ company: { name: Beta }, tags: [b], last_seen_at: null }")
            .unwrap_or(Yaml::Null);
    let merged: Yaml = serde_yaml::from_str(
        "{ plan: trial, company: { name: Beta, industry: x }, tags: [b], last_seen_at: null }",
    )
    .unwrap_or(Yaml::Null);
    assert_eq!(deep_merge(&under, &over), merged);
}

/// The ruleset the diagnostics tests read test files against.
const RULES: &str = r#"
schema {
  plan: "trial" | "pro"
  signed_up_at: time
  last_seen_at: time?
  trial_length: duration?
  seats: int
  labels: list<string>?
  company: { name: string, industry: string? }?
  offices: list<{ city: string, size: int }>?
  event imported_data
  event watched { minutes: number }
  event paid { amount: number, note: string? }
}

policy {
  channels email, in_app
}

rule welcome {
  when seats > 0
  send email "welcome"
  priority 1
  cooldown 7 days
}

suppress quiet when seats > 100
"#;

/// The head of the test files below: the instant and the case defaults.
const DEFAULTS: &str = "now: 2026-11-23T09:00:00Z
defaults:
  plan: trial
  signed_up_at: 2026-11-01T09:00:00Z
  seats: 3
";

/// Every diagnostic of `text` as one line each: code, span text, message, label, help.
fn diagnostics_of(text: &str) -> String {
    let ruleset = crate::Ruleset::from_sources([("rules.nudge", RULES)]).unwrap();
    let (parsed, diagnostics) = parse(ruleset.program(), FileId(0), text);
    let mut out = String::new();
    for d in &diagnostics {
        let at = text.get(d.span.start..d.span.end).unwrap_or("?");
        out.push_str(&format!(
            "{} @{}..{} `{at}`: {} [{}] help: {}\n",
            d.code,
            d.span.start,
            d.span.end,
            d.message,
            d.label,
            d.help.clone().unwrap_or_default()
        ));
    }
    for case in &parsed.cases {
        out.push_str(&format!(
            "case {:?} line {} runs: {} errors: {}\n",
            case.name,
            case.line,
            case.run.is_some(),
            case.errors.len()
        ));
    }
    out.push_str(&format!("broken: {}\n", parsed.broken));
    out
}

#[test]
fn customer_mistakes_point_at_their_values() {
    let text = &[DEFAULTS, r#"cases:
  - name: fine
    customer: { id: c0, events: { watched: [{ at: 2026-11-20T09:00:00Z, minutes: 3 }] } }
    expect: { send: [welcome] }
  - name: wrong types
    customer:
      id: c1
      seats: many
      plan: gold
      last_seen_at: yesterday
      trial_length: forever
      labels: sso
      company: { industry: x }
      offices: [{ city: Paris, size: big }]
    expect: { send: [] }
  - name: bad history
    customer:
      id: c2
      events:
        watched: ["2026-11-20T09:00:00Z", { at: 2026-11-20T09:00:00Z }, { minutes: 4 }, 17, null, [1]]
        paid: { amount: 3 }
      messages: [{ message: m, channel: email, at: soon }, 5]
    expect: { send: [] }
  - name: events as a list
    customer: { id: c3, events: [], messages: { a: 1 } }
    expect: { send: [] }
  - name: missing attribute
    customer: { id: c4, seats: null }
    expect: { send: [] }
  - name: no id
    customer: { plan: pro }
    expect: { send: [] }
  - name: numeric id
    customer: { id: 5 }
    expect: { send: [] }
  - name: bad time in an occurrence
    customer: { id: c5, events: { imported_data: [tomorrow] } }
    expect: { send: [] }
"#]
        .concat();
    insta::assert_snapshot!(diagnostics_of(text));
}

#[test]
fn unknown_keys_are_reported_with_suggestions() {
    let text = &[DEFAULTS, r#"  seets: 4
cases:
  - name: typos
    customer:
      id: c1
      last_sen_at: 2026-11-20T09:00:00Z
      expect: 3
      watched: 1
      zzz: 1
      company: { nme: Acme, zzz: 1 }
      offices: [{ city: Paris, size: 2, sizes: 3 }]
      events:
        watchd: []
        zzz: []
        watched: [{ at: 2026-11-20T09:00:00Z, minutes: 3, minute: 4 }, { at: 2026-11-20T09:00:00Z, minutes: 3, qqq: 4 }]
        paid: [{ at: 2026-11-20T09:00:00Z, amount: 3, nte: x }]
      messages: [{ message: m, channel: email, at: 2026-11-20T09:00:00Z, chanel: x, rul: y, qqq: z }]
    expect: { send: [] }
  - name: clean
    customer: { id: c2 }
    expect: { send: [welcome] }
"#]
        .concat();
    insta::assert_snapshot!(diagnostics_of(text));
}
