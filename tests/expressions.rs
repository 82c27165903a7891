//! The version 1.1 expressions end to end (LANGUAGE.md section 12.1–12.3):
//! conditional values evaluate only the chosen branch, windows computed per
//! customer (and a non-positive one fails closed), and the customer's local
//! time in two zones across daylight-saving changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use nudge::decision::{Decision, Outcome};
use nudge::eval::EvalError;
use nudge::Ruleset;
use serde_json::{json, Value};

const RULES: &str = r#"
schema {
  plan: "trial" | "pro"
  signed_up_at: time
  last_seen_at: time?
  seats: int
  mrr: number
  trial_days: int
  tz: string?
  event logged_in
}
policy {
  channels email, in_app
  activity last_seen_at ?? signed_up_at
  timezone tz ?? "Europe/Paris"
}
metric per_seat = if seats > 0 then mrr / seats else 0
metric limit = if signed_up_at older than 365 days then 14 days else 3 days
metric last_touch = if last_seen_at is present then last_seen_at else signed_up_at
rule values {
  when per_seat >= 0
  send in_app "values" with { per_seat: per_seat, touch: last_touch }
  cooldown 1 day
}
rule quiet_customer {
  when inactive for limit
  send email "quiet"
  cooldown 1 day
}
rule regular {
  when logged_in at least 2 times within trial_days * 1 day
  send in_app "regular"
  cooldown 1 day
}
rule clock {
  when local_hour(now) >= 0
  send email "clock" with { hour: local_hour(now), minute: local_minute(now), day: local_weekday(now) }
  cooldown 1 day
}
rule monday_digest {
  when local_weekday(now) == "mon" and local_hour(now) < 12
  send email "digest"
  cooldown 6 days
}
"#;

fn ruleset() -> Ruleset {
    Ruleset::from_sources([("r.nudge", RULES)]).unwrap()
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

fn customer(patch: Value) -> Value {
    let mut v = json!({
        "id": "c", "plan": "pro", "signed_up_at": "2026-06-01T09:00:00Z",
        "last_seen_at": "2026-11-23T10:00:00Z", "seats": 4, "mrr": 100.0,
        "trial_days": 3, "events": {"logged_in": ["2026-11-21T10:00:00Z", "2026-11-22T10:00:00Z"]}
    });
    for (k, val) in patch.as_object().unwrap() {
        v.as_object_mut().unwrap().insert(k.clone(), val.clone());
    }
    v
}

fn decide(patch: Value, now: &str) -> Vec<Decision> {
    ruleset().evaluate_json(&customer(patch), at(now)).unwrap()
}

fn rule<'a>(decisions: &'a [Decision], name: &str) -> Option<&'a Decision> {
    decisions.iter().find(|d| d.rule == name)
}

fn param(d: &Decision, name: &str) -> Value {
    d.params.as_ref().unwrap().get(name).cloned().unwrap()
}

const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn only_the_chosen_branch_is_evaluated() {
    // No seats: `mrr / seats` would divide by zero, but `else 0` is chosen.
    let ds = decide(json!({"seats": 0}), NOW);
    let d = rule(&ds, "values").unwrap();
    assert_eq!(d.outcome, Outcome::Send);
    // The int branch widens to a number.
    assert_eq!(param(d, "per_seat"), json!(0.0));
    let ds = decide(json!({}), NOW);
    assert_eq!(param(rule(&ds, "values").unwrap(), "per_seat"), json!(25.0));
}

#[test]
fn the_condition_narrows_the_then_branch() {
    let ds = decide(json!({"last_seen_at": null}), NOW);
    let d = rule(&ds, "values").unwrap();
    assert_eq!(param(d, "touch"), json!("2026-06-01T09:00:00Z"));
    let ds = decide(json!({}), NOW);
    assert_eq!(
        param(rule(&ds, "values").unwrap(), "touch"),
        json!("2026-11-23T10:00:00Z")
    );
    // The `else` branch of `is missing` is narrowed too; unguarded, it is an error.
    let schema = "schema { a: time? b: time }\npolicy { channels email }\n";
    let ok = format!("{schema}rule r {{ when (if a is missing then b else a) older than 1 day send email \"m\" cooldown 1 day }}");
    assert!(Ruleset::from_sources([("r.nudge", ok)]).is_ok());
    let bad = format!("{schema}rule r {{ when (if b older than 1 day then a else b) older than 1 day send email \"m\" cooldown 1 day }}");
    assert!(Ruleset::from_sources([("r.nudge", bad)]).is_err());
}

#[test]
fn an_if_chooses_the_inactivity_threshold() {
    // Signed up under a year ago: 3 days of inactivity are enough.
    let ds = decide(json!({"last_seen_at": "2026-11-19T10:00:00Z"}), NOW);
    assert!(rule(&ds, "quiet_customer").is_some());
    // Over a year: 14 days are needed.
    let old =
        json!({"signed_up_at": "2025-01-01T00:00:00Z", "last_seen_at": "2026-11-19T10:00:00Z"});
    assert!(rule(&decide(old, NOW), "quiet_customer").is_none());
}

#[test]
fn a_window_is_computed_per_customer() {
    // 3 days: both log-ins are in the window.
    assert!(rule(&decide(json!({}), NOW), "regular").is_some());
    // 2 days: only the later one (the window is half-open).
    assert!(rule(&decide(json!({"trial_days": 2}), NOW), "regular").is_none());
}

#[test]
fn a_window_of_zero_or_less_fails_closed() {
    for days in [0, -2] {
        let ds = decide(json!({ "trial_days": days }), NOW);
        let d = rule(&ds, "regular").unwrap();
        assert_eq!(d.outcome, Outcome::Error);
        let length = if days == 0 { "0s" } else { "-2d" };
        let expected = EvalError::NonPositiveWindow {
            length: length.to_string(),
        };
        assert_eq!(
            d.detail.error.as_deref(),
            Some(expected.to_string().as_str())
        );
        assert!(d.message.is_none());
    }
}

/// `(hour, minute, day)` the `clock` rule read at `now` in zone `tz`.
fn local(tz: &str, now: &str) -> (i64, i64, String) {
    let ds = decide(json!({ "tz": tz }), now);
    let d = rule(&ds, "clock").unwrap();
    (
        param(d, "hour").as_i64().unwrap(),
        param(d, "minute").as_i64().unwrap(),
        param(d, "day").as_str().unwrap().to_string(),
    )
}

#[test]
fn local_time_in_paris_across_both_changes() {
    let paris = "Europe/Paris";
    // Autumn: 03:00 CEST goes back to 02:00 CET on Sunday 25 October 2026.
    assert_eq!(local(paris, "2026-10-25T00:30:00Z"), (2, 30, "sun".into()));
    assert_eq!(local(paris, "2026-10-25T01:30:00Z"), (2, 30, "sun".into()));
    assert_eq!(local(paris, "2026-10-25T23:30:00Z"), (0, 30, "mon".into()));
    // Spring: 02:00 CET jumps to 03:00 CEST on Sunday 29 March 2026.
    assert_eq!(local(paris, "2026-03-29T00:59:00Z"), (1, 59, "sun".into()));
    assert_eq!(local(paris, "2026-03-29T01:00:00Z"), (3, 0, "sun".into()));
}

#[test]
fn local_time_in_new_york_across_both_changes() {
    let ny = "America/New_York";
    // Autumn: 02:00 EDT goes back to 01:00 EST on Sunday 1 November 2026.
    assert_eq!(local(ny, "2026-11-01T05:30:00Z"), (1, 30, "sun".into()));
    assert_eq!(local(ny, "2026-11-01T06:30:00Z"), (1, 30, "sun".into()));
    assert_eq!(local(ny, "2026-11-02T04:30:00Z"), (23, 30, "sun".into()));
    // Spring: 02:00 EST jumps to 03:00 EDT on Sunday 8 March 2026.
    assert_eq!(local(ny, "2026-03-08T06:59:00Z"), (1, 59, "sun".into()));
    assert_eq!(local(ny, "2026-03-08T07:00:00Z"), (3, 0, "sun".into()));
}

#[test]
fn a_weekly_digest_goes_out_on_monday_morning_local_time() {
    // Monday 23 November, 08:00 in Paris, 02:00 in New York... but Monday
    // 05:30 UTC is still Sunday evening in Los Angeles.
    let now = "2026-11-23T05:30:00Z";
    assert!(rule(&decide(json!({"tz": "Europe/Paris"}), now), "monday_digest").is_some());
    assert!(rule(
        &decide(json!({"tz": "America/New_York"}), now),
        "monday_digest"
    )
    .is_some());
    assert!(rule(
        &decide(json!({"tz": "America/Los_Angeles"}), now),
        "monday_digest"
    )
    .is_none());
}

#[test]
fn an_unknown_zone_uses_the_policy_default_with_a_warning() {
    let ds = decide(json!({"tz": "Mars/Olympus"}), "2026-11-23T05:30:00Z");
    let d = rule(&ds, "clock").unwrap();
    // The policy's default is Europe/Paris: 06:30.
    assert_eq!(param(d, "hour"), json!(6));
    assert_eq!(
        d.warnings,
        vec![String::from(
            "unknown time zone \"Mars/Olympus\"; local time used Europe/Paris"
        )]
    );
    // Rules that do not read local time carry no warning.
    assert!(rule(&ds, "values").unwrap().warnings.is_empty());
}
