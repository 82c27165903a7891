//! The impossible-condition lint: contradictions between conjuncts, through
//! segments, on numbers, times, durations, strings, enums, bools, presence
//! and event counts, and no warning on satisfiable look-alikes.

use super::{after, check_alone, rule};
use crate::diagnostic::{Code, Diagnostic};

/// A schema with every kind of value, and a policy with an activity.
const SCHEMA: &str = r#"
schema {
  plan: "trial" | "starter" | "pro"
  tier: "free" | "paid"
  mrr: number
  seats: int
  vip: bool
  country: string?
  first_name: string?
  churned_at: time?
  last_seen_at: time?
  signed_up_at: time
  company: { name: string, size: int? }
  event logged_in
  event watched { minutes: number }
}
policy { channels email activity last_seen_at ?? signed_up_at }
"#;

/// The never-holds warnings of `text` after `SCHEMA`; the text must check.
fn never(text: &str) -> Vec<Diagnostic> {
    let (program, diags) = check_alone(&format!("{SCHEMA}{text}"));
    assert!(program.is_some(), "does not check: {diags:#?}");
    diags
        .into_iter()
        .filter(|d| d.code == Code::NeverHolds)
        .collect()
}

/// The one never-holds warning of a rule with the condition `when` after
/// the definitions `defs`.
fn once(defs: &str, when: &str) -> Diagnostic {
    let mut found = never(&after(defs, when));
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

/// The one warning of a rule with this condition.
fn impossible(when: &str) -> Diagnostic {
    let found = never(&rule(when));
    assert_eq!(
        found.len(),
        1,
        "`{when}`: expected one warning, found {found:#?}"
    );
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn possible(when: &str) {
    let found = never(&rule(when));
    assert!(found.is_empty(), "`{when}` can hold, yet: {found:#?}");
}

#[test]
fn the_three_examples_of_the_issue() {
    let d = impossible("plan == \"trial\" and plan == \"pro\"");
    assert_eq!(
        d.message,
        "rule `r` can never send: `plan == \"trial\"` and `plan == \"pro\"` cannot both hold"
    );
    assert_eq!(d.label, "`plan` cannot be \"trial\" and \"pro\" at once");
    assert_eq!(d.related.len(), 1, "both conjuncts are labelled");
    assert!(d.help.is_some());

    let d = impossible("mrr > 10 and mrr < 5");
    assert_eq!(d.label, "`mrr` cannot be above 10 and below 5");

    let d = impossible("false");
    assert_eq!(d.message, "rule `r` can never send: `false` never holds");
}

#[test]
fn the_primary_label_is_the_later_conjunct() {
    let text = format!("{SCHEMA}{}", rule("mrr > 10 and mrr < 5"));
    let d = impossible("mrr > 10 and mrr < 5");
    let at = |s: crate::syntax::Span| text.get(s.start..s.end).unwrap_or("").to_string();
    assert_eq!(at(d.span), "mrr < 5");
    assert_eq!(at(d.related[0].0), "mrr > 10");
}

#[test]
fn numbers_times_and_durations() {
    for when in [
        "mrr == 5 and mrr != 5",
        "mrr >= 7 and mrr <= 6.5",
        "mrr > 3 and mrr * 2 < 6",
        "seats > 1 and seats < 2",
        "seats - 1 >= 5 and seats <= 5",
        "count(logged_in) < 0",
        "signed_up_at within 7 days and signed_up_at older than 30 days",
        "now - signed_up_at > 3 days and signed_up_at within 1 day",
        "days(now - signed_up_at) >= 10 and signed_up_at > now - 2 days",
        "inactive for 30 days and (last_seen_at ?? signed_up_at) within 7 days",
        "not inactive for 7 days and inactive for 30 days",
        "seats > mrr and mrr > seats",
        "3 > 5",
        "mrr + 1 > mrr + 2",
    ] {
        impossible(when);
    }
}

#[test]
fn strings_enums_and_bools() {
    for when in [
        "plan != \"trial\" and plan != \"starter\" and plan != \"pro\"",
        "tier != \"free\" and tier != \"paid\"",
        "plan in [\"trial\", \"pro\"] and plan not in [\"trial\", \"pro\"]",
        "plan == \"trial\" and plan != \"trial\"",
        "plan in [\"trial\", \"starter\"] and plan == \"pro\"",
        "company.name == \"Acme\" and company.name == \"Initech\"",
        "country is present and lower(country) == \"fr\" and lower(country) in [\"de\", \"it\"]",
        "vip and not vip",
        "country is present and lower(country) == \"FR\"",
        "country is present and lower(country) in [\"DE\", \"It\"]",
        "vip == true and vip == false",
        "not (plan == \"trial\" or mrr > 3) and plan == \"trial\"",
    ] {
        impossible(when);
    }
}

#[test]
fn presence() {
    let d = impossible("churned_at is missing and churned_at is present");
    assert_eq!(
        d.label,
        "`churned_at` cannot be missing and have a value at once"
    );
    impossible("signed_up_at is missing");
    // `x is missing and x > 3`: the comparison needs a value.
    once(
        "segment big = company.size is present and company.size > 3",
        "company.size is missing and big",
    );
}

#[test]
fn events_and_sent_messages_in_windows() {
    for when in [
        "never watched and watched at least 1 time within 7 days",
        "watched at least 3 times and never watched",
        "never watched within 30 days and watched at least 2 times within 7 days",
        "watched at least 3 times within 7 days and count(watched within 7 days) < 3",
        "last(logged_in) is present and never logged_in",
        "last(logged_in) is present and last(logged_in) within 1 day and never logged_in within 7 days",
        "sent \"m\" within 7 days and never sent \"m\"",
        "last(logged_in) is present and last(logged_in) older than 7 days and logged_in at least 1 time within 1 day",
        "first(logged_in) is present and first(logged_in) within 1 day and never logged_in",
    ] {
        impossible(when);
    }
}

#[test]
fn through_segments() {
    // The rule's own conjunct against a segment's.
    let d = once(
        "segment trial = plan == \"trial\"",
        "trial and plan == \"pro\"",
    );
    assert!(d.message.contains("cannot both hold"), "{d:#?}");
    assert!(d.related[0].1.contains("through segment `trial`"));
    // Conjuncts spread over two segments.
    once(
        "segment big = mrr > 1000\nsegment small = mrr < 10",
        "big and small",
    );
    // A rule using an impossible segment: the segment and the rule.
    let found = never(&after("segment odd = mrr > 10 and mrr < 5", "odd and vip"));
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "segment `odd` can never hold: `mrr > 10` and `mrr < 5` cannot both hold",
            "rule `r` can never send: segment `odd` never holds",
        ]
    );
    // A negated segment.
    once(
        "segment trial = plan == \"trial\"",
        "not trial and plan == \"trial\"",
    );
}

#[test]
fn metrics_are_expanded() {
    once(
        "metric gap = seats - company_seats\nmetric company_seats = 10",
        "gap >= 0 and seats < 10",
    );
    let found = never(&after("metric gap = seats - 10", "gap >= 0 and seats < 11"));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn suppressions_too() {
    let found = never(
        "suppress s when vip and not vip\nrule r { when true send email \"m\" cooldown 1 day }",
    );
    assert_eq!(found.len(), 1);
    assert!(found[0]
        .message
        .starts_with("suppression `s` never applies"));
}

#[test]
fn satisfiable_look_alikes_raise_nothing() {
    for when in [
        "plan == \"trial\" or plan == \"pro\"",
        "plan != \"trial\" and plan != \"pro\"",
        "plan in [\"trial\", \"pro\"] and plan != \"pro\"",
        "mrr > 5 and mrr < 10",
        "mrr >= 5 and mrr <= 5",
        "mrr > 1 and mrr < 2",
        "mrr != 5 and mrr == 6",
        "seats > 1 and seats < 3",
        "seats > mrr and seats > 3",
        "watched at least 3 times within 7 days and never watched within 1 day",
        "never watched within 7 days and watched at least 1 time",
        "signed_up_at older than 14 days and signed_up_at within 60 days",
        "signed_up_at + 14 days - 3 days <= now and signed_up_at + 14 days - now > 12 hours",
        "first_name is present and lower(first_name) == \"ada\"",
        "churned_at is missing or churned_at older than 3 days",
        "not (plan == \"trial\") and plan == \"pro\"",
        "count(logged_in) >= 0",
        "sent \"m\" within 7 days and never sent \"m\" within 1 day",
        "sent \"m\" and never sent \"n\"",
        "vip and tier == \"paid\"",
        "country is present and lower(country) in [\"fr\", \"DE\"]",
        "country is present and lower(country) != \"FR\"",
        "true",
        "inactive for 30 days and signed_up_at within 7 days",
        "last(logged_in) is present and last(logged_in) older than 7 days and never logged_in within 7 days",
        "country is missing and first_name is present",
        "first(logged_in) is present and first(logged_in) older than 7 days and logged_in at least 1 time within 1 day",
        "not (mrr > 3 and mrr < 1)",
        "company.size is missing or company.size > 3",
    ] {
        possible(when);
    }
}

#[test]
fn the_example_ruleset_raises_no_warning() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let sources = crate::ruleset::read_sources(&dir).unwrap_or_else(|e| panic!("{e}"));
    let result = crate::ruleset::check_sources(sources);
    assert!(result.diagnostics.is_empty(), "{:#?}", result.diagnostics);
}

#[test]
fn deep_nesting_is_bounded() {
    // Deeper than the reasoning goes: the contradiction is not seen, and
    // nothing breaks.
    let deep = format!("{}(mrr > 10 and mrr < 5)", "not not ".repeat(20));
    possible(&deep);
    impossible(&format!("{}(mrr > 10 and mrr < 5)", "not not ".repeat(4)));
}

#[test]
fn long_segment_chains_are_bounded() {
    let mut segments = String::from("segment s0 = mrr > 10\n");
    for i in 1..60 {
        segments.push_str(&format!("segment s{i} = s{} and vip\n", i - 1));
    }
    let found = never(&format!("{segments}{}", rule("s59 and mrr < 5")));
    assert!(found.len() <= 1);
}

#[test]
fn definitions_used_twice_at_every_level_are_bounded() {
    // Each segment and metric uses the previous one twice: 2^40 paths.
    let mut text = String::from("segment s0 = mrr > 10\nmetric m0 = seats\n");
    for i in 1..40 {
        let j = i - 1;
        text.push_str(&format!(
            "segment s{i} = not (not s{j} or not s{j})\nmetric m{i} = m{j} + m{j}\n"
        ));
    }
    text.push_str(&rule("s39 and m39 > 0 and mrr / m39 > 1"));
    let (program, _) = check_alone(&format!("{SCHEMA}{text}"));
    assert!(program.is_some());
}

#[test]
fn version_1_1_expressions() {
    // Windows from expressions: constant ones join their family.
    impossible("never watched within 2 * 7 days and watched at least 1 time within 7 days");
    possible("never watched within seats * 1 day and watched at least 1 time within 7 days");
    // Local time parts have their ranges.
    impossible("local_hour(now) > 23");
    impossible("local_minute(now) < 0");
    impossible("local_weekday(now) == \"mon\" and local_weekday(now) == \"tue\"");
    possible("local_hour(now) >= 9 and local_hour(now) < 17");
    // `inactive for` a duration expression.
    impossible("inactive for 2 * 7 days and (last_seen_at ?? signed_up_at) within 7 days");
}
