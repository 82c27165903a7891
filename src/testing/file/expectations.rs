//! A case's `expect`: the outcome lists and per-rule checks, each rule,
//! suppression and channel name checked against the ruleset.

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value as Yaml};

use super::super::locate::{display_path, Seg, Target};
use super::{key_str, path_with, suggest, Reader};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Message, Program};

/// What a case expects. `send` is always exact; the other outcome lists are
/// exact when given; the per-rule checks compare one field of one decision.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    /// The rules that send (exact).
    pub send: Vec<String>,
    /// The rules held out, when given (exact).
    pub held_out: Option<Vec<String>>,
    /// Rule → the suppression that blocks it.
    pub suppressed: Option<Vec<(String, String)>>,
    /// The rules capped, when given (exact).
    pub capped: Option<Vec<String>>,
    /// The rules in cooldown, when given (exact).
    pub cooldown: Option<Vec<String>>,
    /// The rules with outcome `error`, when given (exact).
    pub error: Option<Vec<String>>,
    /// Rule → message (the chosen variant).
    pub messages: Vec<(String, String)>,
    /// Rule → channel.
    pub channels: Vec<(String, String)>,
    /// Rule → the params to compare (the keys listed; others are not checked).
    pub params: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
    /// Rule → delivery time (RFC 3339).
    pub deliver_at: Vec<(String, String)>,
}

const EXPECT_KEYS: [&str; 10] = [
    "send",
    "held_out",
    "suppressed",
    "capped",
    "cooldown",
    "error",
    "messages",
    "channels",
    "params",
    "deliver_at",
];

impl Reader<'_> {
    pub(super) fn expect(&mut self, map: &Mapping, path: &[Seg]) -> Option<Expect> {
        let before = self.diagnostics.len();
        self.unknown_keys(map, path, &EXPECT_KEYS, "`expect`");
        let mut expect = Expect::default();
        match map.get("send") {
            Some(v) => {
                expect.send = self
                    .rule_list(v, &path_with(path, Seg::key("send")))
                    .unwrap_or_default()
            }
            None => {
                let span = self.span(path, Target::Key);
                self.push(
                    Diagnostic::error(Code::TestMissingKey, span, "`expect` has no `send`")
                        .with_label("what should be sent?")
                        .with_help("list exactly the rules that send, e.g. `send: [import_guide]`, or `send: []` when none should"),
                );
            }
        }
        let list = |me: &mut Self, key: &str| {
            map.get(key)
                .and_then(|v| me.rule_list(v, &path_with(path, Seg::key(key))))
        };
        expect.held_out = list(self, "held_out");
        expect.capped = list(self, "capped");
        expect.cooldown = list(self, "cooldown");
        expect.error = list(self, "error");
        expect.suppressed = self.rule_map(
            map,
            path,
            "suppressed",
            "a suppression name",
            |me, text, p| me.suppression_name(text, p),
        );
        expect.messages = self
            .rule_map(map, path, "messages", "a message name", |_, _, _| true)
            .unwrap_or_default();
        expect.channels = self
            .rule_map(map, path, "channels", "a channel", |me, text, p| {
                me.channel_name(text, p)
            })
            .unwrap_or_default();
        expect.deliver_at = self
            .rule_map(
                map,
                path,
                "deliver_at",
                "an RFC 3339 time",
                |me, text, p| me.instant(&Yaml::String(text.to_string()), p).is_some(),
            )
            .unwrap_or_default();
        if let Some(v) = map.get("params") {
            expect.params = self.params(v, &path_with(path, Seg::key("params")));
        }
        self.check_exclusive(&expect, path);
        (self.diagnostics.len() == before).then_some(expect)
    }

    fn rule_exists(&mut self, name: &str, path: &[Seg], target: Target) -> bool {
        if self.program.rule(name).is_some() {
            return true;
        }
        let span = self.span(path, target);
        let names: Vec<&str> = self.program.rules.iter().map(|r| r.name.as_str()).collect();
        let d = Diagnostic::error(
            Code::TestUnknownRule,
            span,
            format!("unknown rule `{name}`"),
        )
        .with_label("no rule has this name");
        self.push(suggest(d, name, &names, "the ruleset's rules are"));
        false
    }

    fn rule_list(&mut self, v: &Yaml, path: &[Seg]) -> Option<Vec<String>> {
        let items = match v {
            Yaml::Sequence(items) => items,
            Yaml::Null => return Some(Vec::new()),
            other => {
                let key = last_key(path);
                self.wrong_shape(
                    path,
                    "a list of rule names",
                    other,
                    &format!("e.g. `{key}: [import_guide]`, or `{key}: []`"),
                );
                return None;
            }
        };
        let mut out: Vec<String> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let here = path_with(path, Seg::Index(i));
            match item {
                Yaml::String(s) => {
                    if self.rule_exists(s, &here, Target::Value) {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    } else {
                        ok = false;
                    }
                }
                other => {
                    self.wrong_shape(&here, "a rule name", other, "");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// `expect.KEY`: a map from rule names to strings, each checked by
    /// `check` (`None` when absent or malformed).
    fn rule_map(
        &mut self,
        expect: &Mapping,
        path: &[Seg],
        key: &str,
        what: &str,
        check: impl Fn(&mut Self, &str, &[Seg]) -> bool,
    ) -> Option<Vec<(String, String)>> {
        let path = &path_with(path, Seg::key(key));
        let map = match expect.get(key)? {
            Yaml::Mapping(m) => m,
            Yaml::Null => return Some(Vec::new()),
            other => {
                self.wrong_shape(
                    path,
                    &format!("a map from rule names to {what}s"),
                    other,
                    &format!("e.g. `{key}: {{ import_guide: … }}`"),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (k, val) in map {
            let Some(rule) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(rule.clone()));
            if !self.rule_exists(&rule, &here, Target::Key) {
                ok = false;
                continue;
            }
            let text = match val {
                Yaml::String(s) => s.clone(),
                other => {
                    self.wrong_shape(&here, what, other, "");
                    ok = false;
                    continue;
                }
            };
            if check(self, &text, &here) {
                out.push((rule, text));
            } else {
                ok = false;
            }
        }
        ok.then_some(out)
    }

    fn suppression_name(&mut self, name: &str, path: &[Seg]) -> bool {
        let program = self.program;
        // A consent clause suppresses as `consent CHANNEL` (12.6).
        let consents: Vec<String> = program
            .policy
            .consents
            .iter()
            .map(|c| format!("consent {}", program.channel_name(c.channel)))
            .collect();
        if program.suppressions.iter().any(|s| s.name == name) || consents.iter().any(|c| c == name)
        {
            return true;
        }
        let span = self.span(path, Target::Value);
        let names: Vec<&str> = program
            .suppressions
            .iter()
            .map(|s| s.name.as_str())
            .chain(consents.iter().map(String::as_str))
            .collect();
        let d = Diagnostic::error(
            Code::TestUnknownSuppression,
            span,
            format!("unknown suppression `{name}`"),
        )
        .with_label("no suppression has this name");
        self.push(match names.is_empty() {
            true => d.with_help("the ruleset has no suppressions"),
            false => suggest(d, name, &names, "the ruleset's suppressions are"),
        });
        false
    }

    fn channel_name(&mut self, name: &str, path: &[Seg]) -> bool {
        let channels = &self.program.policy.channels;
        if channels.iter().any(|c| c == name) {
            return true;
        }
        let span = self.span(path, Target::Value);
        let d = Diagnostic::error(
            Code::TestUnknownChannel,
            span,
            format!("unknown channel `{name}`"),
        )
        .with_label("not a channel of the policy");
        let names: Vec<&str> = channels.iter().map(String::as_str).collect();
        self.push(suggest(d, name, &names, "the policy's channels are"));
        false
    }

    fn params(
        &mut self,
        v: &Yaml,
        path: &[Seg],
    ) -> Vec<(String, serde_json::Map<String, serde_json::Value>)> {
        let Yaml::Mapping(map) = v else {
            if !matches!(v, Yaml::Null) {
                self.wrong_shape(
                    path,
                    "a map from rule names to maps of params",
                    v,
                    "e.g. `params: { import_guide: { name: Ada } }`",
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, val) in map {
            let Some(rule) = key_str(k) else { continue };
            let here = path_with(path, Seg::Key(rule.clone()));
            if !self.rule_exists(&rule, &here, Target::Key) {
                continue;
            }
            match serde_json::to_value(val) {
                Ok(serde_json::Value::Object(obj)) => out.push((rule, obj)),
                Ok(_) => self.wrong_shape(
                    &here,
                    "a map of params",
                    val,
                    "e.g. `import_guide: { name: Ada }`",
                ),
                Err(e) => {
                    let span = self.span(&here, Target::Value);
                    self.push(Diagnostic::error(
                        Code::TestWrongType,
                        span,
                        format!("params cannot be read: {e}"),
                    ));
                }
            }
        }
        out
    }

    /// A rule has one outcome: listing it under two outcomes is a mistake.
    fn check_exclusive(&mut self, expect: &Expect, path: &[Seg]) {
        let suppressed: Option<Vec<String>> = expect
            .suppressed
            .as_ref()
            .map(|s| s.iter().map(|(r, _)| r.clone()).collect());
        let lists: [(&str, Option<&Vec<String>>); 6] = [
            ("send", Some(&expect.send)),
            ("held_out", expect.held_out.as_ref()),
            ("suppressed", suppressed.as_ref()),
            ("capped", expect.capped.as_ref()),
            ("cooldown", expect.cooldown.as_ref()),
            ("error", expect.error.as_ref()),
        ];
        let mut reported = BTreeSet::new();
        for (i, (a, la)) in lists.iter().enumerate() {
            for (b, lb) in lists.iter().skip(i + 1) {
                let (Some(la), Some(lb)) = (la, lb) else {
                    continue;
                };
                for rule in la.iter().filter(|r| lb.contains(r)) {
                    if !reported.insert(rule.clone()) {
                        continue;
                    }
                    let span = self.span_any(&[
                        (
                            path_with(&path_with(path, Seg::key(*b)), Seg::key(rule.as_str())),
                            Target::Key,
                        ),
                        (path_with(path, Seg::key(*b)), Target::Key),
                    ]);
                    self.push(
                        Diagnostic::error(
                            Code::TestConflictingExpectation,
                            span,
                            format!("rule `{rule}` is expected under both `{a}` and `{b}`"),
                        )
                        .with_label("listed twice")
                        .with_help(
                            "a rule has exactly one outcome per case: keep it under one of them",
                        ),
                    );
                }
            }
        }
    }
}

/// The messages a rule can send (its message or its variants).
pub fn rule_messages(program: &Program, rule: &str) -> Vec<String> {
    match program.rule(rule).map(|r| &r.message) {
        Some(Message::Single(m)) => vec![m.clone()],
        Some(Message::Variants(v)) => v.iter().map(|(m, _)| m.clone()).collect(),
        None => Vec::new(),
    }
}

/// The last key of `path` as written in the file (for examples in help lines).
fn last_key(path: &[Seg]) -> String {
    path.last()
        .map(|s| display_path(std::slice::from_ref(s)))
        .unwrap_or_default()
}
