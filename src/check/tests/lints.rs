//! Lints: warnings about rulesets that check but probably mean something else.

use super::{program, warnings};
use crate::diagnostic::Code;

#[test]
fn a_rule_without_cooldown_is_a_warning() {
    assert_eq!(
        warnings("rule r { when true send email \"m\" }"),
        [Code::NoCooldown]
    );
    assert!(warnings("rule r { when true send email \"m\" cooldown 1 day }").is_empty());
}

#[test]
fn an_unused_definition_is_a_warning() {
    assert_eq!(warnings("segment s = seats > 1"), [Code::Unused]);
    assert!(
        warnings("segment s = seats > 1\nrule r { when s send email \"m\" cooldown 1 day }")
            .is_empty()
    );
}

#[test]
fn two_rules_sending_the_same_message_is_a_warning() {
    assert_eq!(
        warnings(
            "rule a { when true send email \"m\" cooldown 1 day }\nrule b { when false send email \"m\" cooldown 1 day }"
        ),
        [Code::DuplicateSend]
    );
}

#[test]
fn warnings_do_not_stop_the_program() {
    let p = program("rule r { when true send email \"m\" }");
    assert_eq!(p.rules.len(), 1);
}
