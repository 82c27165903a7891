//! Bad input never crashes nudge: arbitrary rule text goes through the
//! parser and checker, and arbitrary JSON through the snapshot reader and
//! the evaluator, without a panic; every diagnostic points inside its file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nudge::ruleset::check_sources;
use nudge::syntax::{SourceFile, SourceSet};
use nudge::Ruleset;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "schema",
    "policy",
    "rule",
    "segment",
    "metric",
    "suppress",
    "event",
    "when",
    "send",
    "with",
    "priority",
    "cooldown",
    "holdout",
    "tags",
    "describe",
    "for",
    "channel",
    "tag",
    "and",
    "or",
    "not",
    "in",
    "is",
    "present",
    "missing",
    "older",
    "than",
    "within",
    "never",
    "at",
    "least",
    "times",
    "sent",
    "now",
    "inactive",
    "count(",
    "sum(",
    "last(",
    "min(",
    "where",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "<=",
    "??",
    "+",
    "-",
    "*",
    "/",
    "%",
    "?",
    "|",
    "<",
    ">",
    "\"x\"",
    "\"",
    "7 days",
    "12h",
    "3 months",
    "0",
    "-1",
    "1_000",
    "0.5",
    "50%",
    "21:00",
    "25:99",
    "plan",
    "vip",
    "x",
    "email",
    "list<string>",
    "int",
    "time",
    "string?",
    "#c\n",
    "\n",
    " ",
    "\\",
    "é",
    "\u{0}",
];

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "))
}

fn check_text(text: &str) {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("fuzz.nudge", text));
    let result = check_sources(sources);
    for d in &result.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "span out of the file: {d:?}"
        );
        let _ = d.to_report(&result.sources).to_string();
        let _ = d.to_json(&result.sources);
    }
}

fn example_text() -> String {
    let mut all = String::new();
    let mut paths: Vec<_> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "nudge"))
    {
        all.push_str(&std::fs::read_to_string(p).unwrap());
        all.push('\n');
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn token_soup_never_panics(text in soup()) {
        check_text(&text);
        let _ = nudge::syntax::format::format_source(nudge::syntax::FileId(0), &text);
    }

    #[test]
    fn mutated_rules_never_panic(cuts in proptest::collection::vec((0usize..20_000, 0usize..40, proptest::sample::select(TOKENS)), 1..6)) {
        let mut text = example_text();
        for (at, len, insert) in cuts {
            let mut start = at % text.len().max(1);
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, insert);
        }
        check_text(&text);
        let _ = nudge::syntax::format::format_source(nudge::syntax::FileId(0), &text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value(), line in ".{0,200}") {
        let ruleset = Ruleset::load("tests/fixtures/arbitration").unwrap();
        let now = "2026-11-23T12:00:00Z".parse().unwrap();
        if let Ok(c) = ruleset.read_customer_value(&value) {
            let _ = ruleset.evaluate_with_explain(&c, now);
        }
        if let Ok(c) = ruleset.read_customer(&line) {
            let _ = ruleset.evaluate(&c, now);
        }
    }
}

/// JSON with the fixture's keys and values of every shape.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        prop_oneof![
            Just("2026-11-23T10:00:00Z"),
            Just("trial"),
            Just("pro"),
            Just("9999-99-99"),
            Just(""),
            Just("Europe/Paris")
        ]
        .prop_map(serde_json::Value::from),
    ];
    let keys = proptest::sample::select(vec![
        "id",
        "plan",
        "signed_up_at",
        "last_seen_at",
        "vip",
        "open_tickets",
        "email_opt_in",
        "seats",
        "timezone",
        "first_name",
        "frozen",
        "events",
        "messages",
        "logged_in",
        "watched",
        "at",
        "minutes",
        "rule",
        "message",
        "channel",
        "other",
    ]);
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..10).prop_map(|m| {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}
