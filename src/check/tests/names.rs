//! Name resolution: unknown and misspelt names, duplicates, reserved words.

use super::{errors, only_error, program};
use crate::diagnostic::Code;

#[test]
fn unknown_attribute_suggests_the_closest_name() {
    let d = only_error("segment s = plann == \"trial\"");
    assert_eq!(d.code, Code::UnknownName);
    assert_eq!(d.message, "unknown name `plann`");
    assert_eq!(d.help.as_deref(), Some("did you mean `plan`?"));
}

#[test]
fn segments_and_metrics_are_names_in_any_order() {
    let p = program("segment big = value > 10\nmetric value = mrr * 2");
    assert_eq!(p.segments.len(), 1);
    assert_eq!(p.metrics.len(), 1);
    assert_eq!(p.segments[0].text, "value > 10");
}

#[test]
fn a_name_is_defined_once() {
    assert_eq!(
        errors("segment a = true\nmetric a = 1"),
        [Code::DuplicateName]
    );
}

#[test]
fn keywords_cannot_name_anything() {
    assert_eq!(errors("segment never = true"), [Code::ReservedName]);
    let d = only_error("segment id = true");
    assert!(d.message.contains("reserved snapshot key"), "{}", d.message);
}

#[test]
fn unknown_events_properties_and_fields() {
    assert_eq!(errors("segment s = never loged_in"), [Code::UnknownEvent]);
    assert_eq!(
        errors("segment s = sum(watched.minuts) > 1"),
        [Code::UnknownProperty]
    );
    assert_eq!(
        errors("segment s = company.nmae == \"x\""),
        [Code::UnknownField]
    );
}

#[test]
fn unknown_channel() {
    assert_eq!(
        errors("rule r { when true send sms \"m\" cooldown 1 day }"),
        [Code::UnknownChannel]
    );
}

#[test]
fn event_properties_are_names_inside_where_only() {
    program("segment s = count(watched where minutes > 10) > 0");
    assert_eq!(errors("segment s = minutes > 10"), [Code::UnknownName]);
}
