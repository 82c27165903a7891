//! The generator's guarantees: determinism, validity for any schema, the
//! spreads it promises.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::draw::{BAD_TIMEZONES, COMPANIES};
use super::*;
use crate::snapshot::{from_json_str, Customer};
use crate::value::parse_time;
use crate::Ruleset;

fn example() -> Ruleset {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    Ruleset::load(dir).expect("the example ruleset loads")
}

fn now() -> Micros {
    parse_time("2026-11-12T17:30:00Z").unwrap()
}

fn run(program: &Program, count: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    generate(
        program,
        &GenOptions {
            count,
            seed,
            now: now(),
        },
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let rules = example();
    let a = run(rules.program(), 300, 42);
    let b = run(rules.program(), 300, 42);
    let c = run(rules.program(), 300, 43);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 300);
    // A customer does not depend on the ones before it.
    let g = Generator::new(rules.program());
    let mut one = Vec::new();
    g.write_customer(42, 199, now(), &mut one);
    let line_200 = a.split(|&b| b == b'\n').nth(199).unwrap();
    assert_eq!(&one[..one.len() - 1], line_200);
}

#[test]
fn every_customer_of_the_example_schema_reads_back_valid() {
    let rules = example();
    let program = rules.program();
    let out = String::from_utf8(run(program, 2000, 7)).unwrap();
    let mut unknown = 0;
    for (i, line) in out.lines().enumerate() {
        match from_json_str(program, line) {
            Ok(Customer::Valid(s)) => {
                assert_eq!(s.id, format!("c_{:06}", i + 1));
                unknown += s.unknown_keys;
            }
            Ok(Customer::Invalid(bad)) => {
                panic!("line {}: invalid: {:?}\n{line}", i + 1, bad.problems)
            }
            Err(e) => panic!("line {}: rejected: {e}\n{line}", i + 1),
        }
    }
    assert!(unknown > 0, "some customers carry an unknown key");
    assert!(unknown < 40, "but only a few: {unknown}");
}

#[test]
fn optional_attributes_go_missing_and_events_go_empty() {
    let rules = example();
    let program = rules.program();
    let schema = &program.schema;
    let last_seen = schema.attribute_index("last_seen_at").unwrap();
    let imported = schema.event_index("imported_data").unwrap();
    let watched = schema.event_index("watched").unwrap();
    let out = String::from_utf8(run(program, 1000, 1)).unwrap();
    let (mut missing, mut no_imports, mut no_watch, mut messages) = (0, 0, 0, 0);
    for line in out.lines() {
        let Ok(Customer::Valid(s)) = from_json_str(program, line) else {
            panic!("valid: {line}")
        };
        missing += usize::from(s.attributes[last_seen].is_missing());
        no_imports += usize::from(s.events[imported].is_empty());
        no_watch += usize::from(s.events[watched].is_empty());
        messages += s.messages.len();
        for m in &s.messages {
            assert!(m.rule.as_deref().is_some_and(|r| program.rule(r).is_some()));
            assert!(program.policy.channels.contains(&m.channel));
        }
    }
    assert!(
        (150..350).contains(&missing),
        "~25% missing, got {missing}/1000"
    );
    assert!(
        (300..500).contains(&no_imports),
        "~40% without imports, got {no_imports}/1000"
    );
    assert!(
        (300..500).contains(&no_watch),
        "~40% without watches, got {no_watch}/1000"
    );
    assert!(messages > 1000, "about 2 messages each, got {messages}");
}

#[test]
fn every_shape_of_a_custom_schema_reads_back_valid() {
    let rules = Ruleset::from_sources([(
        "schema.nudge",
        r#"
schema {
  tier: "a \"quoted\" one" | "b\\c" | "plain"
  when_joined: time
  marketing_opt_in: bool
  nickname: string?
  snooze: duration?
  labels: list<string>
  scores: list<number>
  moments: list<time>?
  tiers: list<"x" | "y">
  account: { name: string, seats: int, owner: { name: string?, country: string? }? }
  people: list<{ name: string, minutes: number? }>
  event ping
  event rated { score: int, note: string? }
}
policy { channels email }
rule hello {
  when marketing_opt_in
  send email { "hello_a" 50% "hello_b" 50% }
  cooldown 7 days
}
"#,
    )])
    .expect("custom schema checks");
    let program = rules.program();
    let out = String::from_utf8(run(program, 500, 9)).unwrap();
    for line in out.lines() {
        match from_json_str(program, line) {
            Ok(Customer::Valid(_)) => {}
            other => panic!("{other:?}\n{line}"),
        }
    }
    assert!(out.contains("\"hello_a\"") && out.contains("\"hello_b\""));
    assert!(out.contains("a \\\"quoted\\\" one"));
}

#[test]
fn names_pick_their_vocabularies() {
    let rules = example();
    let program = rules.program();
    let out = String::from_utf8(run(program, 2000, 3)).unwrap();
    assert!(out.contains("\"timezone\":\"Europe/Paris\""));
    assert!(BAD_TIMEZONES
        .iter()
        .any(|z| out.contains(&format!("\"timezone\":\"{z}\""))));
    assert!(out.contains("\"feature\":\"dashboards\""));
    assert!(out.contains("\"format\":\"xlsx\""));
    let v = customer(program, 3, 0, now());
    assert_eq!(v["id"], "c_000001");
    assert!(COMPANIES.contains(&v["company"]["name"].as_str().unwrap()));
}

/// Every time in a generated line (attributes, records, events, sent
/// messages): checks it lies in `[since, now)` and returns how many there were.
fn times_in_life(value: &serde_json::Value, since: Micros, now: Micros, line: &str) -> usize {
    match value {
        serde_json::Value::String(text) => match parse_time(text) {
            Some(t) => {
                assert!(
                    since <= t && t < now,
                    "{text} outside [{}, {}): {line}",
                    format_time(since),
                    format_time(now)
                );
                1
            }
            None => 0,
        },
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| times_in_life(v, since, now, line))
            .sum(),
        serde_json::Value::Object(members) => members
            .values()
            .map(|v| times_in_life(v, since, now, line))
            .sum(),
        _ => 0,
    }
}

/// Checks that every customer of `out` signed up before `now` (at the
/// time in its `signup` attribute, when present) and that everything else
/// happened between sign-up and `now`; returns the number of times seen.
fn check_coherent(out: &[u8], signup: &str, now: Micros) -> usize {
    let mut seen = 0;
    for line in std::str::from_utf8(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let since = match v.get(signup).and_then(|s| s.as_str()) {
            Some(s) => parse_time(s).unwrap(),
            None => Micros::MIN,
        };
        assert!(since < now, "signed up after now: {line}");
        seen += times_in_life(&v, since, now, line);
    }
    seen
}

#[test]
fn every_example_customer_lives_between_sign_up_and_now() {
    let rules = example();
    let out = run(rules.program(), 3000, 42);
    let seen = check_coherent(&out, "signed_up_at", now());
    assert!(seen > 3000 * 10, "times are checked: {seen}");
    // And the history is not squeezed into the last days: some customers
    // signed up over a year ago, and some of their events are that old.
    let old = parse_time("2025-11-01T00:00:00Z").unwrap();
    let text = String::from_utf8(out).unwrap();
    let old_signups = text
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            parse_time(v["signed_up_at"].as_str().unwrap()).unwrap() < old
        })
        .count();
    assert!(
        (300..1500).contains(&old_signups),
        "about a quarter signed up over a year ago: {old_signups}/3000"
    );
}

const LIFE_SCHEMA: &str = r#"
schema {
  joined_at: time?
  renewed: list<time>
  account: { opened_at: time, closed_at: time? }
  event ping
  event paid { at_least: int, refunded_at: time? }
}
policy { channels email }
rule hello { when count(ping) > 1 send email "hello" cooldown 7 days }
"#;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Over any seed and any instant: sign-up first, every other time after
    /// it and before `now`, for the example schema and for a schema whose
    /// sign-up attribute is optional and named otherwise.
    #[test]
    fn customers_are_possible_in_time(
        seed in proptest::prelude::any::<u64>(),
        now_secs in 0i64..4_000_000_000,
        micros in 0i64..1_000_000,
    ) {
        let now = now_secs * MICROS_PER_SECOND + micros;
        let options = GenOptions { count: 40, seed, now };
        let rules = example();
        let mut out = Vec::new();
        generate(rules.program(), &options, &mut out).unwrap();
        proptest::prop_assert!(check_coherent(&out, "signed_up_at", now) > 40);
        let life = Ruleset::from_sources([("life.nudge", LIFE_SCHEMA)]).unwrap();
        let mut out = Vec::new();
        generate(life.program(), &options, &mut out).unwrap();
        check_coherent(&out, "joined_at", now);
    }
}

/// `examples/customers.ndjson` is exactly what the README says made it:
/// `nudge gen --rules rules --count 300 --seed 42 --now 2026-11-23T09:00:00Z`.
#[test]
fn the_example_customers_are_gen_output() {
    let rules = example();
    let mut out = Vec::new();
    let now = parse_time("2026-11-23T09:00:00Z").unwrap();
    let options = GenOptions {
        count: 300,
        seed: 42,
        now,
    };
    generate(rules.program(), &options, &mut out).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers.ndjson");
    let file = std::fs::read(path).unwrap();
    assert!(
        file == out,
        "examples/customers.ndjson differs from `nudge gen`: regenerate it with the README's command"
    );
    assert!(check_coherent(&file, "signed_up_at", now) > 3000);
}
