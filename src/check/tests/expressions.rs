//! The version 1.1 expressions: `if` typing and narrowing, duration
//! expressions as windows, and the `local_*` built-ins.

use super::{errors, only_error, program};
use crate::diagnostic::Code;
use crate::program::{Expr, Type, Window};

#[test]
fn if_branches_share_one_type() {
    let p = program("metric m = if seats > 3 then 14 days else 3 days");
    assert_eq!(p.metrics[0].ty, Type::Duration);
    // int widens to number; an optional branch makes the result optional.
    let p = program("metric m = if seats > 3 then 1 else mrr");
    assert_eq!(p.metrics[0].ty, Type::Number);
    let p = program("metric m = if seats > 3 then churned_at else signed_up_at");
    assert_eq!(p.metrics[0].ty, Type::Optional(Box::new(Type::Time)));
    // An enum and one of its literals give the enum.
    let p = program("metric m = if seats > 3 then plan else \"pro\"");
    assert!(matches!(p.metrics[0].ty, Type::Enum(_)));
    assert_eq!(
        errors("metric m = if seats > 3 then plan else \"gold\""),
        [Code::UnknownEnumValue]
    );
    let d = only_error("metric m = if seats > 3 then 14 days else 3");
    assert_eq!(d.code, Code::TypeMismatch);
    assert_eq!(
        d.message,
        "the branches of `if` have different types: a duration and an int"
    );
    assert_eq!(
        errors("metric m = if seats then 1 else 2"),
        [Code::TypeMismatch]
    );
}

#[test]
fn the_condition_of_an_if_narrows_its_branches() {
    program("metric m = if churned_at is present then churned_at else signed_up_at");
    program("metric m = if seats > 1 and first_name is present then first_name else \"x\"");
    program("metric m = if churned_at is missing then signed_up_at else churned_at");
    // No narrowing of the wrong branch.
    assert_eq!(
        errors("metric m = (if churned_at is present then signed_up_at else churned_at) older than 1 day"),
        [Code::Optional]
    );
}

#[test]
fn windows_are_fixed_when_literal_and_computed_otherwise() {
    let p = program(
        "metric limit = if seats > 3 then 14 days else 3 days\n\
         segment a = logged_in at least 2 times within 7 days\n\
         segment b = never logged_in within seats * 1 day\n\
         segment c = count(watched within limit) > 1\n\
         rule r { when a and b and c send email \"m\" cooldown 1 day }",
    );
    match &p.segments[0].expr {
        Expr::AtLeast {
            window: Some(Window::Fixed(d)),
            ..
        } => assert_eq!(*d, 7 * 86_400 * 1_000_000),
        other => panic!("expected a fixed window, found {other:?}"),
    }
    let Expr::Not(inner) = &p.segments[1].expr else {
        panic!("expected `never`")
    };
    assert!(matches!(
        &**inner,
        Expr::AtLeast {
            window: Some(Window::Computed(_)),
            ..
        }
    ));
    let d = only_error("segment s = never logged_in within seats");
    assert_eq!(d.message, "`within` needs a duration, found an int");
}

#[test]
fn local_time_builtins() {
    let p = program("segment s = local_hour(now) >= 9 and local_weekday(signed_up_at) == \"mon\"");
    let weekday = p.schema.weekday.unwrap();
    assert_eq!(
        p.schema.enums[weekday as usize],
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    );
    let d = only_error("segment s = local_weekday(now) == \"monday\"");
    assert_eq!(d.code, Code::UnknownEnumValue);
    assert_eq!(
        errors("segment s = local_weekday(now) < \"fri\""),
        [Code::TypeMismatch]
    );
    assert_eq!(
        errors("segment s = local_minute(seats) > 3"),
        [Code::TypeMismatch]
    );
    assert_eq!(
        errors("segment s = local_hour(churned_at) > 3"),
        [Code::Optional]
    );
}
