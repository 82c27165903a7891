//! Property: evaluating a snapshot at an earlier `now` gives the same
//! decisions as evaluating, at that instant, the snapshot with every event
//! and message after it removed. Occurrences after `now` are invisible.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use nudge::Ruleset;
use proptest::prelude::*;
use serde_json::{json, Value};

fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn time(minutes_before: i64) -> String {
    (base_time() - Duration::minutes(minutes_before)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

const RULES: [(&str, &str, &str); 4] = [
    ("welcome", "welcome", "email"),
    ("come_back", "come_back", "email"),
    ("tips", "tips", "in_app"),
    ("binge", "binge", "push"),
];

/// Minutes before the base time; negative values are in the future.
fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![-2_000i64..2_000, -20_000i64..60_000]
}

prop_compose! {
    fn customer()(
        id in "[a-z]{1,6}",
        trial in any::<bool>(),
        signed_up in offset(),
        last_seen in proptest::option::of(offset()),
        vip in any::<bool>(),
        tickets in 0i64..4,
        seats in 0i64..30,
        logins in proptest::collection::vec(offset(), 0..6),
        watched in proptest::collection::vec((offset(), 1u32..90), 0..6),
        messages in proptest::collection::vec((0usize..4, offset()), 0..5),
        zone in prop_oneof![Just("Europe/Paris"), Just("America/New_York"), Just("Mars/Olympus")],
    ) -> Value {
        json!({
            "id": id,
            "plan": if trial { "trial" } else { "pro" },
            "signed_up_at": time(signed_up),
            "last_seen_at": last_seen.map(time),
            "vip": vip, "open_tickets": tickets, "email_opt_in": true, "seats": seats,
            "timezone": zone, "frozen": false,
            "events": {
                "logged_in": logins.iter().map(|m| time(*m)).collect::<Vec<_>>(),
                "watched": watched.iter().map(|(m, min)| json!({"at": time(*m), "minutes": min})).collect::<Vec<_>>(),
            },
            "messages": messages.iter().map(|(r, m)| {
                let (rule, message, channel) = RULES[*r];
                json!({"rule": rule, "message": message, "channel": channel, "at": time(*m)})
            }).collect::<Vec<_>>(),
        })
    }
}

/// The snapshot as it was at `now`: later events and messages removed.
fn as_of(customer: &Value, now: DateTime<Utc>) -> Value {
    let visible = |t: &Value| -> bool {
        let at = t
            .as_str()
            .or_else(|| t.get("at").and_then(Value::as_str))
            .unwrap();
        DateTime::parse_from_rfc3339(at).unwrap() <= now
    };
    let mut c = customer.clone();
    for list in c["events"].as_object_mut().unwrap().values_mut() {
        list.as_array_mut().unwrap().retain(visible);
    }
    c["messages"].as_array_mut().unwrap().retain(visible);
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn replay_at_an_earlier_now(customer in customer(), hours_back in 0i64..800) {
        let ruleset = Ruleset::load("tests/fixtures/arbitration").unwrap();
        let now = base_time() - Duration::hours(hours_back);
        let full = ruleset.read_customer_value(&customer).unwrap();
        let past = ruleset.read_customer_value(&as_of(&customer, now)).unwrap();
        let a = ruleset.evaluate_with_explain(&full, now).decisions;
        let b = ruleset.evaluate_with_explain(&past, now).decisions;
        prop_assert_eq!(a, b);
    }
}
