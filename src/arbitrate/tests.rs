//! Unit tests of arbitration, through the library facade: cap room taken
//! in priority order, suppressions by scope, cooldowns and caps on
//! half-open windows, and errors that never send.

use crate::decision::{Decision, Outcome};
use crate::Ruleset;

const RULES: &str = r#"
schema {
  plan: "trial" | "pro"
  seats: int
  vip: bool
  event logged_in
}
policy {
  channels email, push
  at most 1 email message per 1 day
  at most 2 push messages per 1 day
}
rule high { when plan == "trial" send email "high" priority 10 cooldown 7 days }
rule low { when plan == "trial" send email "low" cooldown 7 days }
rule nudge { when seats > 0 send push "nudge" cooldown 1 day tags growth }
rule ratio { when 10 / seats > 1 send push "ratio" cooldown 1 day }
suppress vips when vip for tag growth
"#;

const NOW: &str = "2026-11-23T12:00:00Z";

fn decide(customer: &str) -> Vec<Decision> {
    let ruleset = Ruleset::from_sources([("rules.nudge", RULES)]).expect("rules check");
    let customer = ruleset.read_customer(customer).expect("customer reads");
    ruleset.evaluate(&customer, NOW.parse().expect("instant"))
}

fn outcome(decisions: &[Decision], rule: &str) -> Option<Outcome> {
    decisions.iter().find(|d| d.rule == rule).map(|d| d.outcome)
}

const TRIAL: &str = r#"{"id": "c1", "plan": "trial", "seats": 20, "vip": false"#;

fn customer(extra: &str) -> String {
    format!("{TRIAL}{extra}}}")
}

#[test]
fn matching_rules_take_cap_room_in_priority_order() {
    let d = decide(&customer(""));
    assert_eq!(outcome(&d, "high"), Some(Outcome::Send));
    // `low` matched too, but the one email a day went to `high`.
    assert_eq!(outcome(&d, "low"), Some(Outcome::Capped));
    assert_eq!(outcome(&d, "nudge"), Some(Outcome::Send));
    assert_eq!(d.iter().filter(|x| x.outcome == Outcome::Send).count(), 2);
}

#[test]
fn a_suppression_applies_to_its_tag_only() {
    let d = decide(r#"{"id": "c1", "plan": "trial", "seats": 20, "vip": true}"#);
    assert_eq!(outcome(&d, "nudge"), Some(Outcome::Suppressed));
    assert_eq!(outcome(&d, "high"), Some(Outcome::Send));
}

#[test]
fn cooldown_windows_are_half_open() {
    // Sent exactly 7 days ago: outside `cooldown 7 days`.
    let sent = |at: &str| {
        customer(&format!(
            r#", "messages": [{{"rule": "high", "message": "high", "channel": "email", "at": "{at}"}}]"#
        ))
    };
    let d = decide(&sent("2026-11-16T12:00:00Z"));
    assert_eq!(outcome(&d, "high"), Some(Outcome::Send));
    let d = decide(&sent("2026-11-16T12:00:01Z"));
    assert_eq!(outcome(&d, "high"), Some(Outcome::Cooldown));
    // A message after `now` is invisible.
    let d = decide(&sent("2026-11-23T12:00:01Z"));
    assert_eq!(outcome(&d, "high"), Some(Outcome::Send));
}

#[test]
fn caps_count_the_history_in_their_window() {
    let history = r#", "messages": [
        {"rule": "x", "message": "a", "channel": "push", "at": "2026-11-23T01:00:00Z"},
        {"rule": "y", "message": "b", "channel": "push", "at": "2026-11-23T02:00:00Z"}]"#;
    let d = decide(&customer(history));
    assert_eq!(outcome(&d, "nudge"), Some(Outcome::Capped));
    // One of them a day and a second ago no longer counts.
    let older = history.replace("2026-11-23T01:00:00Z", "2026-11-22T11:59:59Z");
    let d = decide(&customer(&older));
    assert_eq!(outcome(&d, "nudge"), Some(Outcome::Send));
}

#[test]
fn a_runtime_error_is_an_error_outcome_and_never_sends() {
    let d = decide(r#"{"id": "c1", "plan": "pro", "seats": 0, "vip": false}"#);
    assert_eq!(outcome(&d, "ratio"), Some(Outcome::Error));
    assert_eq!(outcome(&d, "nudge"), None);
}

#[test]
fn decisions_are_a_pure_function_of_their_inputs() {
    let a = decide(&customer(""));
    let b = decide(&customer(""));
    let ids = |d: &[Decision]| d.iter().map(|x| x.decision_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
}
