//! Types: comparisons, arithmetic, enum literals, built-ins, aggregates.

use super::{errors, only_error, program};
use crate::diagnostic::Code;
use crate::program::Type;

#[test]
fn ints_widen_to_numbers() {
    let p = program("metric m = seats + mrr\nmetric n = seats * 2");
    assert_eq!(p.metrics[0].ty, Type::Number);
    assert_eq!(p.metrics[1].ty, Type::Int);
}

#[test]
fn division_gives_a_number() {
    assert_eq!(program("metric m = seats / 2").metrics[0].ty, Type::Number);
}

#[test]
fn comparing_different_types_is_refused() {
    assert_eq!(errors("segment s = mrr == \"x\""), [Code::TypeMismatch]);
    assert_eq!(errors("segment s = signed_up_at > 3"), [Code::TypeMismatch]);
}

#[test]
fn enum_literals_must_be_members() {
    program("segment s = plan == \"pro\"");
    assert_eq!(
        errors("segment s = plan == \"gold\""),
        [Code::UnknownEnumValue]
    );
    program("segment s = plan in [\"trial\", \"pro\"]");
}

#[test]
fn a_segment_is_a_condition_and_a_metric_is_not() {
    assert_eq!(errors("segment s = mrr"), [Code::TypeMismatch]);
    assert_eq!(errors("metric m = mrr > 1"), [Code::TypeMismatch]);
}

#[test]
fn builtins_take_the_types_of_the_table() {
    let p = program(
        "metric a = lower(first_name ?? \"\")\nmetric b = len(tags_list)\nmetric c = max(seats, 1)\n\
         metric d = min(seats, mrr)\nmetric e = days(now - signed_up_at)\nmetric f = abs(now - signed_up_at)",
    );
    let types: Vec<&Type> = p.metrics.iter().map(|m| &m.ty).collect();
    assert_eq!(
        types,
        [
            &Type::String,
            &Type::Int,
            &Type::Int,
            &Type::Number,
            &Type::Number,
            &Type::Duration
        ]
    );
    let d = only_error("metric m = lower(seats)");
    assert_eq!(d.code, Code::TypeMismatch);
    assert_eq!(d.message, "`lower` takes a string, found an int");
}

#[test]
fn aggregates_have_their_types() {
    let p = program(
        "metric a = count(logged_in)\nmetric b = sum(watched.minutes)\nmetric c = max(watched.minutes)\nmetric d = last(logged_in)",
    );
    assert_eq!(p.metrics[0].ty, Type::Int);
    assert_eq!(p.metrics[1].ty, Type::Number);
    assert_eq!(p.metrics[2].ty, Type::Optional(Box::new(Type::Number)));
    assert_eq!(p.metrics[3].ty, Type::Optional(Box::new(Type::Time)));
}

#[test]
fn numeric_aggregates_need_a_numeric_property() {
    assert_eq!(
        errors("metric m = sum(watched.title)"),
        [Code::TypeMismatch]
    );
}

#[test]
fn an_event_is_not_a_value() {
    assert_eq!(errors("segment s = logged_in"), [Code::EventAsValue]);
}

#[test]
fn time_windows_need_a_time_and_a_duration() {
    program("segment s = signed_up_at within 7 days and signed_up_at older than 1 day");
    assert_eq!(
        errors("segment s = mrr within 7 days"),
        [Code::TypeMismatch]
    );
}

#[test]
fn at_least_zero_times_is_refused() {
    assert_eq!(
        errors("segment s = logged_in at least 0 times"),
        [Code::BadCount]
    );
}
