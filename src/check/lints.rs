//! Warnings about rulesets that check but probably do not do what their
//! authors meant: re-sending without a cooldown, unused definitions,
//! suppressions that can never apply, two rules sending the same message,
//! personal channels without consent (12.6), caps per tag that never
//! apply, and, once the ruleset has no error, conditions that can never hold
//! ([`satisfiable`](super::satisfiable)) and divisions by a value that may be
//! zero ([`division`](super::division)).

use std::collections::HashMap;

use super::{Checker, Def};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{
    Item, MessageSpec, PolicyClauseKind, RuleClauseKind, RuleDef, SendClause, SuppressScope,
};
use crate::syntax::Span;

pub(super) fn run(checker: &mut Checker, items: &[&Item]) {
    let used = rules(checker, items);
    suppressions(checker, items, &used);
    tag_caps(checker, items, &used);
    consent(checker, items);
    unused(checker);
    if !checker.diags.iter().any(Diagnostic::is_error) {
        super::satisfiable::run(checker, items);
        super::division::run(checker, items);
    }
}

/// The tags and channels the rules use.
#[derive(Default)]
struct Used {
    tags: Vec<String>,
    channels: Vec<String>,
}

/// Rules without a cooldown, and two rules sending the same message.
fn rules(checker: &mut Checker, items: &[&Item]) -> Used {
    let mut used = Used::default();
    let mut sends: HashMap<(String, String), (String, Span)> = HashMap::new();
    for item in items {
        let Item::Rule(rule) = item else { continue };
        let mut has_cooldown = false;
        for clause in &rule.clauses {
            match &clause.kind {
                RuleClauseKind::Cooldown(_) => has_cooldown = true,
                RuleClauseKind::Tags(t) => used.tags.extend(t.iter().map(|t| t.name.clone())),
                RuleClauseKind::Send(send) => {
                    used.channels.push(send.channel.name.clone());
                    used.channels
                        .extend(send.fallbacks.iter().map(|f| f.name.clone()));
                    duplicate_send(checker, &mut sends, rule, send);
                }
                _ => {}
            }
        }
        if !has_cooldown {
            checker.report(
                Diagnostic::warning(
                    Code::NoCooldown,
                    rule.name.span,
                    format!("rule `{}` has no cooldown: it will send again on every run while it matches", rule.name.name),
                )
                .with_label("no `cooldown`")
                .with_help("add `cooldown 7 days` (or however long this message should not repeat)"),
            );
        }
    }
    used
}

/// A warning when another rule already sends one of this send's messages.
fn duplicate_send(
    checker: &mut Checker,
    sends: &mut HashMap<(String, String), (String, Span)>,
    rule: &RuleDef,
    send: &SendClause,
) {
    let messages: Vec<&str> = match &send.message {
        MessageSpec::Single(m) => vec![m.value.as_str()],
        MessageSpec::Variants { variants, .. } => {
            variants.iter().map(|v| v.message.value.as_str()).collect()
        }
    };
    for m in messages {
        let k = (send.channel.name.clone(), m.to_string());
        match sends.get(&k) {
            Some((other, other_span)) => {
                let d = Diagnostic::warning(
                    Code::DuplicateSend,
                    rule.name.span,
                    format!("rules `{other}` and `{}` both send {} \"{m}\"", rule.name.name, send.channel.name),
                )
                .with_label("same channel and message as another rule")
                .with_help("give each rule its own message so that decisions, cooldowns and `sent` tell them apart")
                .with_related(*other_span, format!("`{other}` sends it too"));
                checker.report(d);
            }
            None => {
                sends.insert(k, (rule.name.name.clone(), rule.name.span));
            }
        }
    }
}

/// Suppressions scoped to a tag or channel no rule uses.
fn suppressions(checker: &mut Checker, items: &[&Item], used: &Used) {
    for item in items {
        let Item::Suppress(s) = item else { continue };
        match &s.scope {
            Some(SuppressScope::Tag(t)) if !used.tags.contains(&t.name) => {
                let d = Diagnostic::warning(
                    Code::SuppressionNeverApplies,
                    t.span,
                    format!(
                        "no rule has tag `{}`, so suppression `{}` never applies",
                        t.name, s.name.name
                    ),
                )
                .with_label("no rule has this tag")
                .with_suggestion(
                    &t.name,
                    used.tags.iter().map(String::as_str),
                    "tag the rules it should block (`tags …`) or remove the suppression",
                );
                checker.report(d);
            }
            Some(SuppressScope::Channel(c))
                if !used.channels.contains(&c.name)
                    && checker.policy.channels.contains(&c.name) =>
            {
                checker.report(
                    Diagnostic::warning(
                        Code::SuppressionNeverApplies,
                        c.span,
                        format!(
                            "no rule sends on channel `{}`, so suppression `{}` never applies",
                            c.name, s.name.name
                        ),
                    )
                    .with_label("no rule uses this channel")
                    .with_help("remove the suppression, or check the channel name"),
                );
            }
            _ => {}
        }
    }
}

/// Caps per tag (12.7) naming a tag no rule carries.
fn tag_caps(checker: &mut Checker, items: &[&Item], used: &Used) {
    for item in items {
        let Item::Policy(p) = item else { continue };
        for clause in &p.clauses {
            let PolicyClauseKind::Cap { tag: Some(t), .. } = &clause.kind else {
                continue;
            };
            if used.tags.contains(&t.name) {
                continue;
            }
            let d = Diagnostic::warning(
                Code::CapNeverApplies,
                t.span,
                format!("no rule has tag `{}`, so this cap never applies", t.name),
            )
            .with_label("no rule has this tag")
            .with_suggestion(
                &t.name,
                used.tags.iter().map(String::as_str),
                "tag the rules it should hold (`tags …`) or remove the cap",
            );
            checker.report(d);
        }
    }
}

/// The channels that carry personal messages and need the customer's consent.
const PERSONAL_CHANNELS: [&str; 4] = ["email", "sms", "push", "whatsapp"];

/// A rule sending on a personal channel that has neither a `consent` clause
/// nor a suppression scoped to it: one warning per channel, at its first send.
fn consent(checker: &mut Checker, items: &[&Item]) {
    let mut guarded: Vec<&str> = Vec::new();
    for item in items {
        match item {
            Item::Policy(p) => guarded.extend(p.clauses.iter().filter_map(|c| match &c.kind {
                PolicyClauseKind::Consent { channel, .. } => Some(channel.name.as_str()),
                _ => None,
            })),
            Item::Suppress(s) => {
                if let Some(SuppressScope::Channel(c)) = &s.scope {
                    guarded.push(&c.name);
                }
            }
            _ => {}
        }
    }
    for item in items {
        let Item::Rule(rule) = item else { continue };
        for clause in &rule.clauses {
            let RuleClauseKind::Send(send) = &clause.kind else {
                continue;
            };
            for ch in std::iter::once(&send.channel).chain(&send.fallbacks) {
                let name = ch.name.as_str();
                if !PERSONAL_CHANNELS.contains(&name) || guarded.contains(&name) {
                    continue;
                }
                guarded.push(name);
                checker.report(
                    Diagnostic::warning(
                        Code::NoConsent,
                        ch.span,
                        format!(
                            "rule `{}` sends on `{name}`, but nothing checks the customer's consent for `{name}`",
                            rule.name.name
                        ),
                    )
                    .with_label("no `consent` clause and no suppression for this channel")
                    .with_help(format!(
                        "add `consent {name} when …` to the policy (e.g. `consent {name} when {name}_opt_in`), or `suppress … for channel {name}`"
                    )),
                );
            }
        }
    }
}

/// Segments and metrics nothing uses.
fn unused(checker: &mut Checker) {
    let unused = |defs: &[Def], kind: &str| -> Vec<Diagnostic> {
        defs.iter()
            .filter(|d| d.uses == 0)
            .map(|d| {
                Diagnostic::warning(
                    Code::Unused,
                    d.name_span,
                    format!("{kind} `{}` is never used", d.name),
                )
                .with_label("defined but never used")
                .with_help(format!(
                    "use it in a rule or suppression, or remove the {kind}"
                ))
            })
            .collect()
    };
    let mut found = unused(&checker.segments, "segment");
    found.extend(unused(&checker.metrics, "metric"));
    for d in found {
        checker.report(d);
    }
}
