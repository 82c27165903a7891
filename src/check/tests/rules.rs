//! Rules: required clauses, variants, parameters, priority order.

use super::{errors, program};
use crate::diagnostic::Code;
use crate::program::Message;

#[test]
fn rules_are_in_arbitration_order() {
    let p = program(
        "rule b { when true send email \"b\" cooldown 1 day }\n\
         rule a { when true send email \"a\" cooldown 1 day }\n\
         rule c { when true send email \"c\" priority 5 cooldown 1 day }",
    );
    let names: Vec<&str> = p.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["c", "a", "b"]);
}

#[test]
fn when_is_split_into_canonical_conjuncts() {
    let p = program(
        "rule r { when plan == \"trial\"   and (seats > 1 or mrr > 2) send email \"m\" cooldown 1 day }",
    );
    let texts: Vec<&str> = p.rules[0]
        .conjuncts
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(texts, ["plan == \"trial\"", "(seats > 1 or mrr > 2)"]);
}

#[test]
fn when_and_send_are_required_and_given_once() {
    assert_eq!(
        errors("rule r { send email \"m\" cooldown 1 day }"),
        [Code::MissingClause]
    );
    assert_eq!(
        errors("rule r { when true cooldown 1 day }"),
        [Code::MissingClause]
    );
    assert_eq!(
        errors("rule r { when true when false send email \"m\" cooldown 1 day }"),
        [Code::DuplicateClause]
    );
}

#[test]
fn variants_add_up_to_100_percent() {
    let p = program("rule r { when true send email { \"a\" 30%\n \"b\" 70% } cooldown 1 day }");
    assert_eq!(
        p.rules[0].message,
        Message::Variants(vec![("a".into(), 3000), ("b".into(), 7000)])
    );
    assert_eq!(
        errors("rule r { when true send email { \"a\" 30%\n \"b\" 60% } cooldown 1 day }"),
        [Code::VariantTotal]
    );
    assert_eq!(
        errors("rule r { when true send email { \"a\" 50%\n \"a\" 50% } cooldown 1 day }"),
        [Code::DuplicateName]
    );
}

#[test]
fn parameters_are_named_once_and_are_plain_values() {
    assert_eq!(
        errors("rule r { when true send email \"m\" with { a: mrr, a: seats } cooldown 1 day }"),
        [Code::DuplicateName]
    );
    assert_eq!(
        errors("rule r { when true send email \"m\" with { a: tags_list } cooldown 1 day }"),
        [Code::BadParam]
    );
}

#[test]
fn cooldown_and_holdout_are_checked() {
    assert_eq!(
        errors("rule r { when true send email \"m\" cooldown 0 days }"),
        [Code::BadDuration]
    );
    let p = program("rule r { when true send email \"m\" cooldown 2 days holdout 12.5% }");
    assert_eq!(p.rules[0].cooldown, Some(2 * 86_400 * 1_000_000));
    assert_eq!(p.rules[0].holdout, Some(1250));
}

#[test]
fn suppressions_are_compiled_with_their_scope() {
    let p = program(
        "suppress churned when churned_at is present\nsuppress quiet when seats > 100 for channel push",
    );
    assert_eq!(p.suppressions.len(), 2);
    assert_eq!(p.suppressions[0].text, "churned_at is present");
}
