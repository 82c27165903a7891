//! Optional-safety: optional values need a guard or a default; guards
//! narrow left to right through `and` and `or`.

use super::{errors, only_error, program, warnings};
use crate::diagnostic::Code;

#[test]
fn an_optional_value_needs_a_guard_or_a_default() {
    let d = only_error("segment s = churned_at within 7 days");
    assert_eq!(d.code, Code::Optional);
    assert_eq!(d.message, "`churned_at` may be missing");
    program("segment s = (churned_at ?? now) within 7 days");
}

#[test]
fn is_present_narrows_the_rest_of_an_and() {
    program("segment s = churned_at is present and churned_at within 7 days");
    assert_eq!(
        errors("segment s = churned_at within 7 days and churned_at is present"),
        [Code::Optional]
    );
}

#[test]
fn is_missing_narrows_the_rest_of_an_or() {
    program("segment s = churned_at is missing or churned_at within 7 days");
    assert_eq!(
        errors("segment s = churned_at is present or churned_at within 7 days"),
        [Code::Optional]
    );
}

#[test]
fn narrowing_matches_the_canonical_text() {
    // Parentheses and spacing do not matter; record fields and aggregates narrow too.
    program("segment s = (company.size is present) and company.size  > 3");
    program("segment s = max(watched.minutes) is present and max(watched.minutes) > 3");
    assert_eq!(
        errors("segment s = company.size is present and max(watched.minutes) > 3"),
        [Code::Optional]
    );
}

#[test]
fn rule_conjuncts_narrow_the_next_ones() {
    program(
        "rule r { when first_name is present and lower(first_name) == \"ada\" send email \"m\" cooldown 1 day }",
    );
}

#[test]
fn with_values_must_not_be_optional() {
    assert_eq!(
        errors("rule r { when true send email \"m\" with { name: first_name } cooldown 1 day }"),
        [Code::Optional]
    );
    program(
        "rule r { when true send email \"m\" with { name: first_name ?? \"there\" } cooldown 1 day }",
    );
}

#[test]
fn a_default_on_a_required_value_is_a_warning() {
    let found = warnings(
        "metric m = mrr ?? 0\nsegment s = m > 1\nrule r { when s send email \"m\" cooldown 1 day }",
    );
    assert_eq!(found, [Code::NeedlessDefault]);
}
