//! Arbitration of the version 1.1 policy additions on
//! `tests/fixtures/policy11`: `deliver at` in two zones across their DST
//! days, then quiet hours; channel fallback with the reason per skipped
//! channel; consent failing closed; caps per tag and the records' `tags`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use nudge::decision::{Decision, Outcome};
use nudge::Ruleset;
use serde_json::{json, Value};

fn ruleset() -> Ruleset {
    Ruleset::load("tests/fixtures/policy11").unwrap()
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
}

/// A customer who matches nothing; tests add what they need.
fn base(id: &str, patch: Value) -> Value {
    let mut v = json!({
        "id": id, "email_opt_in": true, "wants_digest": false, "wants_night": false,
        "wants_fallback": false, "wants_promo": false, "push_blocked": false
    });
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

fn of<'a>(decisions: &'a [Decision], rule: &str) -> &'a Decision {
    decisions.iter().find(|d| d.rule == rule).unwrap()
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "snapshots/arbitration_policy", prepend_module_to_snapshot => false}, {
            insta::assert_yaml_snapshot!($name, $value, {"[].ruleset" => "[ruleset]", "[].decision_id" => "[id]"});
        });
    };
}

#[test]
fn deliver_at_across_dst_days_in_two_zones() {
    // `night` is 02:30 local: skipped by the spring gap, repeated by the
    // autumn overlap. `early_email` is 07:00 local, then quiet hours (email,
    // 21:00 to 08:00) move it to 08:00.
    let cases = [
        // Paris springs forward 2026-03-29 02:00 → 03:00 (01:00Z).
        (
            "Europe/Paris",
            "2026-03-29T00:00:00Z",
            "2026-03-29T01:00:00Z",
        ),
        // Paris falls back 2026-10-25 03:00 → 02:00 (01:00Z): at 02:45 CEST
        // the next 02:30 is the second one, in CET.
        (
            "Europe/Paris",
            "2026-10-25T00:45:00Z",
            "2026-10-25T01:30:00Z",
        ),
        // New York springs forward 2026-03-08 02:00 → 03:00 (07:00Z).
        (
            "America/New_York",
            "2026-03-08T06:00:00Z",
            "2026-03-08T07:00:00Z",
        ),
        // New York falls back 2026-11-01 02:00 → 01:00 (06:00Z); 02:30 EST.
        (
            "America/New_York",
            "2026-11-01T05:30:00Z",
            "2026-11-01T07:30:00Z",
        ),
    ];
    for (zone, now, expected) in cases {
        let d = decide(
            base("dst", json!({"timezone": zone, "wants_night": true})),
            now,
        );
        let night = of(&d, "night");
        assert_eq!(night.outcome, Outcome::Send);
        assert_eq!(
            night.deliver_at.as_deref(),
            Some(expected),
            "{zone} at {now}"
        );
        assert_eq!(night.detail.scheduled.as_deref(), Some("02:30"));
        let early = of(&d, "early_email");
        assert_eq!(
            early.detail.quiet_hours.as_deref(),
            Some("quiet hours 21:00 to 08:00 for email")
        );
        let name = format!(
            "deliver_at_{}_{}",
            zone.replace('/', "_").to_lowercase(),
            now.replace(':', "")
        );
        snapshot!(name, &d);
    }
}

#[test]
fn deliver_at_waits_for_a_listed_weekday() {
    // Tuesday 2026-11-24 10:00 in Tokyo → Thursday 09:00 Tokyo (00:00Z).
    let d = decide(
        base(
            "weekday",
            json!({"timezone": "Asia/Tokyo", "wants_digest": true}),
        ),
        "2026-11-24T01:00:00Z",
    );
    let digest = of(&d, "digest");
    assert_eq!(digest.deliver_at.as_deref(), Some("2026-11-26T00:00:00Z"));
    assert_eq!(digest.detail.scheduled.as_deref(), Some("09:00 mon, thu"));
    // Thursday 08:59 Tokyo: the same morning.
    let d = decide(
        base(
            "weekday",
            json!({"timezone": "Asia/Tokyo", "wants_digest": true}),
        ),
        "2026-11-25T23:59:00Z",
    );
    assert_eq!(
        of(&d, "digest").deliver_at.as_deref(),
        Some("2026-11-26T00:00:00Z")
    );
    snapshot!("deliver_at_weekday", &d);
}

#[test]
fn deliver_at_in_an_unknown_zone_uses_the_default_and_warns() {
    let d = decide(
        base(
            "mars",
            json!({"timezone": "Mars/Olympus", "wants_digest": true}),
        ),
        "2026-11-24T01:00:00Z",
    );
    let digest = of(&d, "digest");
    assert_eq!(digest.deliver_at.as_deref(), Some("2026-11-26T09:00:00Z"));
    assert_eq!(
        digest.warnings,
        ["unknown time zone \"Mars/Olympus\"; the delivery time used UTC"]
    );
}

#[test]
fn fallback_takes_the_first_channel_nothing_blocks() {
    let now = "2026-11-23T12:00:00Z";
    // No consent for sms: push.
    let d = decide(base("fb1", json!({"wants_fallback": true})), now);
    let f = of(&d, "fallback");
    assert_eq!(
        (f.outcome, f.channel.as_deref()),
        (Outcome::Send, Some("push"))
    );
    assert_eq!(f.detail.skipped.len(), 1);
    assert_eq!(f.detail.skipped[0].channel, "sms");
    snapshot!("fallback_consent", &d);

    // No sms consent, push suppressed: email, with both reasons.
    let d = decide(
        base("fb2", json!({"wants_fallback": true, "push_blocked": true})),
        now,
    );
    let f = of(&d, "fallback");
    assert_eq!(f.channel.as_deref(), Some("email"));
    let skipped: Vec<&str> = f
        .detail
        .skipped
        .iter()
        .map(|s| s.channel.as_str())
        .collect();
    assert_eq!(skipped, ["sms", "push"]);
    snapshot!("fallback_suppressed", &d);

    // Push capped by a push sent this morning: email.
    let d = decide(
        base(
            "fb3",
            json!({"wants_fallback": true, "messages": [
                {"rule": "other", "message": "x", "channel": "push", "at": "2026-11-23T09:00:00Z"}
            ]}),
        ),
        now,
    );
    let f = of(&d, "fallback");
    assert_eq!(f.channel.as_deref(), Some("email"));
    assert_eq!(f.detail.skipped[1].outcome, Outcome::Capped);
    snapshot!("fallback_capped", &d);

    // Sms consent given: sms, nothing skipped.
    let d = decide(
        base("fb4", json!({"wants_fallback": true, "sms_opt_in": true})),
        now,
    );
    let f = of(&d, "fallback");
    assert_eq!(f.channel.as_deref(), Some("sms"));
    assert!(f.detail.skipped.is_empty());
}

#[test]
fn every_channel_blocked_gives_the_first_channels_block() {
    let d = decide(
        base(
            "fb5",
            json!({"wants_fallback": true, "push_blocked": true, "email_opt_in": false}),
        ),
        "2026-11-23T12:00:00Z",
    );
    let f = of(&d, "fallback");
    assert_eq!(f.outcome, Outcome::Suppressed);
    assert_eq!(f.channel.as_deref(), Some("sms"));
    assert_eq!(f.detail.consent.as_deref(), Some("sms"));
    snapshot!("fallback_all_blocked", &d);
}

#[test]
fn cooldown_is_per_rule_whatever_the_channel() {
    let d = decide(
        base(
            "fb6",
            json!({"wants_fallback": true, "messages": [
                {"rule": "fallback", "message": "fallback", "channel": "email", "at": "2026-11-23T09:00:00Z"}
            ]}),
        ),
        "2026-11-23T12:00:00Z",
    );
    assert_eq!(of(&d, "fallback").outcome, Outcome::Cooldown);
}

#[test]
fn caps_per_tag_count_this_evaluation_and_the_history() {
    let now = "2026-11-23T12:00:00Z";
    let d = decide(base("tag1", json!({"wants_promo": true})), now);
    assert_eq!(of(&d, "promo_a").outcome, Outcome::Send);
    assert_eq!(of(&d, "promo_a").tags, ["promo"]);
    assert_eq!(of(&d, "promo_b").outcome, Outcome::Capped);
    assert_eq!(of(&d, "promo_b").tags, ["promo", "extra"]);
    snapshot!("tag_cap_this_evaluation", &d);

    // A history entry with its own tags counts by them ...
    let tagged = json!({"wants_promo": true, "messages": [
        {"message": "old", "channel": "email", "at": "2026-11-20T09:00:00Z", "tags": ["promo"]}
    ]});
    let d = decide(base("tag2", tagged), now);
    assert!(d.iter().all(|x| x.outcome == Outcome::Capped));
    // ... one without tags by its rule's tags ...
    let by_rule = json!({"wants_promo": true, "messages": [
        {"rule": "promo_b", "message": "promo_b", "channel": "in_app", "at": "2026-11-20T09:00:00Z"}
    ]});
    let d = decide(base("tag3", by_rule), now);
    assert!(d.iter().all(|x| x.outcome == Outcome::Capped));
    // ... and entries of other tags, or older than the window, do not count.
    let other = json!({"wants_promo": true, "messages": [
        {"message": "old", "channel": "email", "at": "2026-11-20T09:00:00Z", "tags": ["news"]},
        {"rule": "promo_b", "message": "promo_b", "channel": "in_app", "at": "2026-11-10T09:00:00Z"}
    ]});
    let d = decide(base("tag4", other), now);
    assert_eq!(of(&d, "promo_a").outcome, Outcome::Send);
}

#[test]
fn records_of_untagged_rules_have_no_tags_key() {
    let d = decide(
        base("plain", json!({"wants_fallback": true})),
        "2026-11-23T12:00:00Z",
    );
    let line = serde_json::to_string(of(&d, "fallback")).unwrap();
    assert!(!line.contains("\"tags\""), "{line}");
}
