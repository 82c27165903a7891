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
