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
fn ill_typed_definitions_are_refused() {
    for (text, code) in [
        // Comparing different types.
        ("segment s = mrr == \"x\"", Code::TypeMismatch),
        ("segment s = signed_up_at > 3", Code::TypeMismatch),
        // Enum literals must be members.
        ("segment s = plan == \"gold\"", Code::UnknownEnumValue),
        // A segment is a condition and a metric is not.
        ("segment s = mrr", Code::TypeMismatch),
        ("metric m = mrr > 1", Code::TypeMismatch),
        // Numeric aggregates need a numeric property.
        ("metric m = sum(watched.title)", Code::TypeMismatch),
        // An event is not a value.
        ("segment s = logged_in", Code::EventAsValue),
        // Time windows need a time and a duration.
        ("segment s = mrr within 7 days", Code::TypeMismatch),
        // At least zero times.
        ("segment s = logged_in at least 0 times", Code::BadCount),
    ] {
        assert_eq!(errors(text), [code], "{text}");
    }
}

#[test]
fn well_typed_look_alikes_check() {
    program("segment s = plan == \"pro\"");
    program("segment s = plan in [\"trial\", \"pro\"]");
    program("segment s = signed_up_at within 7 days and signed_up_at older than 1 day");
}
