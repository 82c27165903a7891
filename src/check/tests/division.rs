//! The division lint: a divisor that may be zero, unless it is a non-zero
//! constant, never zero by definition, or guarded before the division.

use super::{after, rule, run, warnings};
use crate::diagnostic::{Code, Diagnostic};

/// The division warnings of a ruleset.
fn divisions(text: &str) -> Vec<Diagnostic> {
    let (program, diags) = run(text);
    assert!(program.is_some(), "does not check: {diags:#?}");
    diags
        .into_iter()
        .filter(|d| d.code == Code::DivisionByZero)
        .collect()
}

#[test]
fn an_unguarded_divisor_is_a_warning() {
    let found = divisions(&rule("mrr / seats > 10"));
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(
        d.message,
        "possible division by zero: `seats` may be 0, and the division then fails (outcome `error`)"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("guard it earlier in the same condition (`seats > 0 and …` or `seats != 0 and …`), or divide by `max(seats, 1)`")
    );
    assert_eq!(divisions(&rule("mrr / (seats - 1) > 10")).len(), 1);
    assert_eq!(divisions(&rule("mrr / 0 > 10")).len(), 1);
    assert_eq!(divisions(&rule("mrr / (2 - 2) > 10")).len(), 1);
    // A guard after the division comes too late.
    assert_eq!(divisions(&rule("mrr / seats > 10 and seats > 0")).len(), 1);
    // A guard on another value does not help.
    assert_eq!(divisions(&rule("mrr > 0 and mrr / seats > 10")).len(), 1);
    // `seats >= 0` still allows 0.
    assert_eq!(divisions(&rule("seats >= 0 and mrr / seats > 10")).len(), 1);
}

#[test]
fn guards_and_safe_divisors_raise_nothing() {
    for when in [
        "mrr / 4 > 10",
        "mrr / -2.5 > 10",
        "seats > 0 and mrr / seats > 10",
        "seats != 0 and mrr / seats > 10",
        "seats >= 1 and mrr / seats > 10",
        "seats < 0 and mrr / seats > 10",
        "seats == 0 or mrr / seats > 10",
        "not (seats == 0) and mrr / seats > 10",
        "seats > 2 and mrr / (seats - 1) > 10",
        "mrr / max(seats, 1) > 10",
        "mrr / (count(logged_in) + 1) > 10",
        "mrr / (len(tags_list) + 1) > 1",
        "(seats > 0 and mrr / seats > 10) or mrr > 100",
    ] {
        let found = divisions(&rule(when));
        assert!(found.is_empty(), "`{when}`: {found:#?}");
    }
}

#[test]
fn guards_reach_with_values_segments_and_metrics() {
    // The `when` guards the `with` values.
    assert!(divisions(
        "rule r { when seats > 0 send email \"m\" with { per_seat: mrr / seats } cooldown 1 day }"
    )
    .is_empty());
    assert_eq!(
        divisions(
            "rule r { when true send email \"m\" with { per_seat: mrr / seats } cooldown 1 day }"
        )
        .len(),
        1
    );
    // A metric is followed where it is used, with the guards of that place.
    assert!(divisions(&after(
        "metric per_seat = mrr / seats",
        "seats > 0 and per_seat > 10"
    ))
    .is_empty());
    let found = divisions(&after("metric per_seat = mrr / seats", "per_seat > 10"));
    assert_eq!(found.len(), 1);
    assert!(found[0].related[0].1.contains("`per_seat` is used here"));
    // A guard in a segment counts.
    assert!(divisions(&after(
        "segment seated = seats > 0",
        "seated and mrr / seats > 10"
    ))
    .is_empty());
    // Reported once, however many rules use it.
    let found = divisions(&format!(
        "metric per_seat = mrr / seats\n{}\nrule q {{ when per_seat < 1 send email \"q\" cooldown 1 day }}",
        rule("per_seat > 10")
    ));
    assert_eq!(found.len(), 1);
}

#[test]
fn inside_where_only_the_filter_guards() {
    let text = "rule r { when count(watched where minutes > 0 and 60 / minutes > 2) > 1 send email \"m\" cooldown 1 day }";
    assert!(divisions(text).is_empty());
    let text =
        "rule r { when count(watched where 60 / minutes > 2) > 1 send email \"m\" cooldown 1 day }";
    assert_eq!(divisions(text).len(), 1);
}

#[test]
fn a_division_warning_does_not_stop_the_program() {
    assert_eq!(warnings(&rule("mrr / seats > 10")), [Code::DivisionByZero]);
}

#[test]
fn the_branches_of_an_if_are_guarded_by_its_condition() {
    assert!(divisions(&rule("(if seats > 0 then mrr / seats else 0.0) > 10")).is_empty());
    assert!(divisions(&rule("(if seats == 0 then 0.0 else mrr / seats) > 10")).is_empty());
    assert_eq!(
        divisions(&rule("(if seats == 0 then mrr / seats else 0.0) > 10")).len(),
        1
    );
}

#[test]
fn divisions_in_windows_are_checked() {
    assert_eq!(
        divisions(&rule("never logged_in within (30 / seats) * 1 day")).len(),
        1
    );
    assert!(divisions(&rule(
        "seats > 0 and never logged_in within (30 / seats) * 1 day"
    ))
    .is_empty());
}
