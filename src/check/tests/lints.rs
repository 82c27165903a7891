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
            "rule a { when true send email \"m\" cooldown 1 day }\nrule b { when plan == \"pro\" send email \"m\" cooldown 1 day }"
        ),
        [Code::DuplicateSend]
    );
}

#[test]
fn warnings_do_not_stop_the_program() {
    let p = program("rule r { when true send email \"m\" }");
    assert_eq!(p.rules.len(), 1);
}

#[test]
fn a_personal_channel_without_consent_is_a_warning() {
    use super::{parse_file, FileId};
    let text = |policy: &str, extra: &str| {
        format!(
            "schema {{ ok: bool }}\npolicy {{ channels email, in_app, sms {policy} }}\nrule r {{ when ok send in_app or sms \"m\" cooldown 1 day }}\n{extra}"
        )
    };
    let codes = |source: String| -> Vec<Code> {
        let (ast, _) = parse_file(FileId(0), &source);
        let (_, diags) = crate::check::check(&[(FileId(0), &ast)]);
        diags.iter().map(|d| d.code).collect()
    };
    // The fallback channel counts; in_app needs no consent.
    assert_eq!(codes(text("", "")), [Code::NoConsent]);
    assert!(codes(text("consent sms when ok", "")).is_empty());
    assert!(codes(text("", "suppress no_sms when not ok for channel sms")).is_empty());
    // A consent on another channel does not help.
    assert_eq!(codes(text("consent email when ok", "")), [Code::NoConsent]);
}
