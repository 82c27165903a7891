//! Arbitration end to end on `tests/fixtures/arbitration`: every outcome,
//! every suppression scope, caps, quiet hours in two zones and across DST,
//! window edges, future events, replay, and the portable bucketing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use nudge::decision::{bucket, Decision, Outcome};
use nudge::Ruleset;
use serde_json::{json, Value};

fn ruleset() -> Ruleset {
    Ruleset::load("tests/fixtures/arbitration").unwrap()
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

const NOW: &str = "2026-11-23T12:00:00Z";

/// A customer who matches nothing; tests add what they need.
fn base(id: &str) -> Value {
    json!({
        "id": id, "plan": "pro", "signed_up_at": "2026-06-01T09:00:00Z",
        "last_seen_at": "2026-11-23T10:00:00Z", "vip": false, "open_tickets": 0,
        "email_opt_in": true, "seats": 20, "frozen": false,
        "events": {"logged_in": ["2026-11-23T10:00:00Z"]}
    })
}

fn with(mut v: Value, patch: Value) -> Value {
    if let (Some(obj), Some(p)) = (v.as_object_mut(), patch.as_object()) {
        for (k, val) in p {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

fn decide(customer: Value, now: &str) -> Vec<Decision> {
    ruleset().evaluate_json(&customer, at(now)).unwrap()
}

fn outcome_of<'a>(decisions: &'a [Decision], rule: &str) -> Option<&'a Decision> {
    decisions.iter().find(|d| d.rule == rule)
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "snapshots/arbitration", prepend_module_to_snapshot => false}, {
            insta::assert_yaml_snapshot!($name, $value, {"[].ruleset" => "[ruleset]", "[].decision_id" => "[id]"});
        });
    };
}

#[test]
fn nothing_matches_nothing_is_written() {
    assert!(decide(base("quiet"), NOW).is_empty());
}

#[test]
fn send_with_params_and_because() {
    let d = decide(
        with(
            base("new"),
            json!({"signed_up_at": "2026-11-23T08:00:00Z", "first_name": "Ada", "seats": 3}),
        ),
        NOW,
    );
    let welcome = outcome_of(&d, "welcome").unwrap();
    assert_eq!(welcome.outcome, Outcome::Send);
    assert_eq!(welcome.params.as_ref().unwrap()["name"], json!("Ada"));
    snapshot!("send", &d);
}

#[test]
fn held_out_uses_cap_room_and_variant_is_bucketed() {
    // Find customers on both sides of the 50% holdout of `tips`.
    let ids: Vec<String> = (0..50).map(|i| format!("trial_{i}")).collect();
    let held = ids
        .iter()
        .find(|id| bucket("tips", "holdout", id) < 5000)
        .unwrap();
    let treated = ids
        .iter()
        .find(|id| bucket("tips", "holdout", id) >= 5000)
        .unwrap();
    let trial = json!({"plan": "trial", "events": {}});
    let d = decide(with(base(held), trial.clone()), NOW);
    let tips = outcome_of(&d, "tips").unwrap();
    assert_eq!(tips.outcome, Outcome::HeldOut);
    assert_eq!(tips.detail.bucket, Some(bucket("tips", "holdout", held)));
    snapshot!("held_out", &d);
    let d = decide(with(base(treated), trial), NOW);
    assert_eq!(outcome_of(&d, "tips").unwrap().outcome, Outcome::Send);
}

#[test]
fn holdouts_count_against_caps() {
    // Two messages per day at most: one in history, the holdout takes the second slot.
    let id = (0..50)
        .map(|i| format!("h_{i}"))
        .find(|id| bucket("tips", "holdout", id) < 5000)
        .unwrap();
    let customer = with(
        base(&id),
        json!({"plan": "trial", "events": {}, "vip": true,
               "messages": [{"rule": "other", "message": "x", "channel": "push", "at": "2026-11-23T06:00:00Z"}]}),
    );
    let d = decide(customer, NOW);
    assert_eq!(outcome_of(&d, "tips").unwrap().outcome, Outcome::HeldOut);
    let vip = outcome_of(&d, "vip_test").unwrap();
    assert_eq!(vip.outcome, Outcome::Capped);
    assert_eq!(
        vip.detail.cap.as_deref(),
        Some("at most 2 messages per day")
    );
}

#[test]
fn suppressed_by_tag_channel_and_everywhere() {
    let inactive = json!({"last_seen_at": "2026-11-01T10:00:00Z", "events": {}});
    // Tag scope: VIP with open tickets is not reminded.
    let d = decide(
        with(
            with(base("tag"), inactive.clone()),
            json!({"vip": true, "open_tickets": 3}),
        ),
        NOW,
    );
    let come_back = outcome_of(&d, "come_back").unwrap();
    assert_eq!(come_back.outcome, Outcome::Suppressed);
    assert_eq!(
        come_back.detail.suppression.as_deref(),
        Some("support_first")
    );
    snapshot!("suppressed_tag", &d);
    // Channel scope: no email consent.
    let d = decide(
        with(
            with(base("chan"), inactive.clone()),
            json!({"email_opt_in": false}),
        ),
        NOW,
    );
    assert_eq!(
        outcome_of(&d, "come_back")
            .unwrap()
            .detail
            .suppression
            .as_deref(),
        Some("no_email")
    );
    snapshot!("suppressed_channel", &d);
    // Global scope.
    let d = decide(
        with(
            with(base("all"), inactive),
            json!({"frozen": true, "vip": true}),
        ),
        NOW,
    );
    assert!(d.iter().all(|x| x.outcome == Outcome::Suppressed
        && x.detail.suppression.as_deref() == Some("frozen_account")));
    snapshot!("suppressed_all", &d);
}

#[test]
fn cooldown_gives_the_last_send_time() {
    let customer = with(
        base("cool"),
        json!({"signed_up_at": "2026-11-23T08:00:00Z",
               "messages": [{"rule": "welcome", "message": "welcome", "channel": "email", "at": "2026-11-22T09:00:00Z"}]}),
    );
    let d = decide(customer, NOW);
    let welcome = outcome_of(&d, "welcome").unwrap();
    assert_eq!(welcome.outcome, Outcome::Cooldown);
    assert_eq!(
        welcome.detail.last_sent_at.as_deref(),
        Some("2026-11-22T09:00:00Z")
    );
    snapshot!("cooldown", &d);
}

#[test]
fn capped_by_global_and_by_channel_caps() {
    let history = |msgs: Value| {
        with(
            base("cap"),
            json!({"signed_up_at": "2026-11-23T08:00:00Z", "messages": msgs}),
        )
    };
    let two_today = json!([
        {"rule": "a", "message": "a", "channel": "push", "at": "2026-11-23T01:00:00Z"},
        {"rule": "b", "message": "b", "channel": "in_app", "at": "2026-11-23T02:00:00Z"}
    ]);
    let d = decide(history(two_today), NOW);
    assert_eq!(
        outcome_of(&d, "welcome").unwrap().detail.cap.as_deref(),
        Some("at most 2 messages per day")
    );
    snapshot!("capped_global", &d);
    let email_this_week =
        json!([{"rule": "a", "message": "a", "channel": "email", "at": "2026-11-19T01:00:00Z"}]);
    let d = decide(history(email_this_week), NOW);
    assert_eq!(
        outcome_of(&d, "welcome").unwrap().detail.cap.as_deref(),
        Some("at most 1 email message per 7 days")
    );
    snapshot!("capped_channel", &d);
}

#[test]
fn invalid_snapshot_errors_every_rule() {
    let mut customer = base("broken");
    customer.as_object_mut().unwrap().remove("signed_up_at");
    customer["seats"] = json!("three");
    let d = decide(customer, NOW);
    assert_eq!(d.len(), 6);
    assert!(d.iter().all(|x| x.outcome == Outcome::Error));
    snapshot!("error_invalid_snapshot", &d[..1]);
}

#[test]
fn division_by_zero_fails_closed() {
    let d = decide(with(base("zero"), json!({"seats": 0})), NOW);
    let per_seat = outcome_of(&d, "per_seat").unwrap();
    assert_eq!(per_seat.outcome, Outcome::Error);
    assert!(per_seat
        .detail
        .error
        .as_deref()
        .unwrap()
        .contains("division by zero"));
    snapshot!("error_division_by_zero", &d);
}

fn deliver_at(zone: &str, now: &str) -> (String, Vec<String>) {
    let customer = with(base("tz"), json!({"signed_up_at": now, "timezone": zone}));
    let d = decide(customer, now);
    let name = format!(
        "quiet_hours_{}_{}",
        zone.replace('/', "_").to_lowercase(),
        now.replace(':', "")
    );
    snapshot!(name, &d);
    let welcome = outcome_of(&d, "welcome").unwrap();
    assert_eq!(welcome.outcome, Outcome::Send);
    (
        welcome.deliver_at.clone().unwrap(),
        welcome.warnings.clone(),
    )
}

#[test]
fn quiet_hours_in_two_zones_across_midnight() {
    // 22:30Z is 23:30 in Paris (quiet until 08:00 = 07:00Z) and 17:30 in New York.
    assert_eq!(
        deliver_at("Europe/Paris", "2026-11-23T22:30:00Z").0,
        "2026-11-24T07:00:00Z"
    );
    assert_eq!(
        deliver_at("America/New_York", "2026-11-23T22:30:00Z").0,
        "2026-11-23T22:30:00Z"
    );
    // 03:00Z is 22:00 the evening before in New York: quiet until 08:00 EST = 13:00Z.
    assert_eq!(
        deliver_at("America/New_York", "2026-11-24T03:00:00Z").0,
        "2026-11-24T13:00:00Z"
    );
    // Tokyo at 05:00 local (20:00Z): the same morning, 08:00 JST = 23:00Z.
    assert_eq!(
        deliver_at("Asia/Tokyo", "2026-11-23T20:00:00Z").0,
        "2026-11-23T23:00:00Z"
    );
}

#[test]
fn quiet_hours_follow_daylight_saving_changes() {
    // New York springs forward on 2026-03-08: 01:30 EST (06:30Z) is quiet
    // until 08:00 EDT, which is 12:00Z (not 13:00Z).
    assert_eq!(
        deliver_at("America/New_York", "2026-03-08T06:30:00Z").0,
        "2026-03-08T12:00:00Z"
    );
    // Paris falls back on 2026-10-25: 22:30 CEST (20:30Z) is quiet until
    // 08:00 CET the next morning, 07:00Z.
    assert_eq!(
        deliver_at("Europe/Paris", "2026-10-24T20:30:00Z").0,
        "2026-10-25T07:00:00Z"
    );
}

#[test]
fn unknown_zone_falls_back_with_a_warning() {
    let (deliver, warnings) = deliver_at("Mars/Olympus", "2026-11-23T22:30:00Z");
    assert_eq!(deliver, "2026-11-24T08:00:00Z");
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("Mars/Olympus"));
}

#[test]
fn window_edges_are_half_open() {
    // Exactly one day after sign-up: not `within 1 day`.
    let customer = with(
        base("edge"),
        json!({"signed_up_at": "2026-11-22T12:00:00Z"}),
    );
    let d = decide(customer.clone(), NOW);
    assert!(outcome_of(&d, "welcome").is_none());
    let r = ruleset();
    let explained = r.evaluate_with_explain(&r.read_customer_value(&customer).unwrap(), at(NOW));
    snapshot!("window_edge_exactly_one_day", &explained.decisions[..1]);
    // One second later it is.
    let d = decide(
        with(
            base("edge"),
            json!({"signed_up_at": "2026-11-22T12:00:01Z"}),
        ),
        NOW,
    );
    assert_eq!(outcome_of(&d, "welcome").unwrap().outcome, Outcome::Send);
    // Inactive exactly 7 days: not `inactive for 7 days`.
    let d = decide(
        with(
            base("edge"),
            json!({"last_seen_at": "2026-11-16T12:00:00Z", "events": {}}),
        ),
        NOW,
    );
    assert!(outcome_of(&d, "come_back").is_none());
}

#[test]
fn future_events_and_messages_are_invisible() {
    let customer = with(
        base("future"),
        json!({"plan": "trial", "vip": false,
               "events": {"logged_in": ["2026-11-24T10:00:00Z"],
                          "watched": [{"at": "2026-11-23T11:00:00Z", "minutes": 30}, {"at": "2026-11-23T13:00:00Z", "minutes": 45}]},
               "messages": [{"rule": "tips", "message": "tips", "channel": "in_app", "at": "2026-11-23T13:00:00Z"}]}),
    );
    let d = decide(customer, NOW);
    snapshot!("future_events_invisible", &d);
    // The login tomorrow does not count: `never logged_in within 3 days` holds.
    assert!(outcome_of(&d, "tips").is_some());
    // The 45 minutes after now are not summed.
    assert!(outcome_of(&d, "binge").is_none());
    // The future message does not put `tips` in cooldown.
    assert_ne!(outcome_of(&d, "tips").unwrap().outcome, Outcome::Cooldown);
}

#[test]
fn explain_output_is_readable() {
    let r = ruleset();
    let customer = r
        .read_customer_value(&with(base("c_explain"), json!({"plan": "trial", "last_seen_at": "2026-11-10T09:00:00Z", "events": {}, "vip": true, "open_tickets": 2})))
        .unwrap();
    let evaluation = r.evaluate_with_explain(&customer, at(NOW));
    let text = nudge::decision::explain::render(r.program(), &evaluation, NOW, r.hash(), false);
    insta::with_settings!({snapshot_path => "snapshots/arbitration", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("explain", text);
    });
}

#[test]
fn bucketing_matches_an_independent_sha256() {
    // Computed with Python: int.from_bytes(sha256(b"import_guide:holdout:c_1042").digest()[:8], "big") % 10000
    assert_eq!(bucket("import_guide", "holdout", "c_1042"), 5229);
    assert_eq!(bucket("tips", "holdout", "c_1"), 2671);
    assert_eq!(bucket("vip_test", "variant", "c_1"), 9053);
    // 9053 is past the 50% of "vip_a": c_1 gets "vip_b".
    let d = decide(with(base("c_1"), json!({"vip": true})), NOW);
    assert_eq!(
        outcome_of(&d, "vip_test").unwrap().message.as_deref(),
        Some("vip_b")
    );
}

#[test]
fn decision_ids_are_stable_across_runs() {
    let customer = with(base("new"), json!({"signed_up_at": "2026-11-23T08:00:00Z"}));
    let a = decide(customer.clone(), NOW);
    let b = decide(customer, NOW);
    assert_eq!(a, b);
    assert_eq!(a[0].decision_id.len(), 32);
}
