//! The policy: channels, activity, timezone, quiet hours, caps.

use super::{check_alone, errors};
use crate::diagnostic::Code;

#[test]
fn channels_caps_and_quiet_hours_are_compiled() {
    let (program, diags) = check_alone(
        "schema { seen: time }\npolicy {\n  channels email, push\n  activity seen\n  timezone \"Europe/Paris\"\n  \
         quiet hours 21:00 to 08:00 for push\n  at most 2 email messages per 7 days\n}",
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let policy = program.expect("checks").policy;
    assert_eq!(policy.channels, ["email", "push"]);
    assert!(policy.activity.is_some());
    assert_eq!(policy.quiet_hours.len(), 1);
    assert_eq!(policy.quiet_hours[0].from, 21 * 60);
    assert_eq!(policy.quiet_hours[0].channels, Some(vec![1]));
    assert_eq!(policy.caps.len(), 1);
    assert_eq!(policy.caps[0].text, "at most 2 email messages per 7 days");
    assert_eq!(policy.caps[0].channel, Some(0));
    assert_eq!(policy.caps[0].window, 7 * 86_400 * 1_000_000);
}

#[test]
fn a_second_policy_is_refused() {
    assert_eq!(errors("policy { channels sms }"), [Code::DuplicatePolicy]);
}

#[test]
fn a_channel_is_listed_once_and_a_clause_given_once() {
    let (_, diags) = check_alone("schema { x: int }\npolicy { channels email, email }");
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::DuplicateName]
    );
    let (_, diags) =
        check_alone("schema { x: time }\npolicy { channels email\n activity x\n activity x }");
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::DuplicateClause]
    );
}

#[test]
fn empty_quiet_hours_and_empty_cap_windows_are_refused() {
    let (_, diags) = check_alone(
        "schema { x: int }\npolicy { channels email\n quiet hours 08:00 to 08:00\n at most 1 message per 0 days }",
    );
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::EmptyQuietHours, Code::BadDuration]
    );
}

#[test]
fn timezone_literals_are_zone_names_and_the_default_is_the_fallback() {
    let (program, _) = check_alone(
        "schema { tz: string? }\npolicy { channels email\n timezone tz ?? \"Europe/Berlin\" }",
    );
    assert_eq!(
        program.expect("checks").policy.default_zone,
        chrono_tz::Tz::Europe__Berlin
    );
    let (_, diags) = check_alone(
        "schema { tz: string? }\npolicy { channels email\n timezone tz ?? \"Mars/Base\" }",
    );
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::UnknownZone]
    );
}

#[test]
fn inactive_for_needs_an_activity() {
    assert_eq!(
        errors("segment s = inactive for 7 days"),
        [Code::NoActivity]
    );
}
