//! Rules: the `when` split into conjuncts, the channel and message, A/B
//! variants, `with` parameters, priority, cooldown and holdout.

use std::collections::HashMap;

use super::expr;
use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{self, Type};
use crate::syntax::ast::{self, Item, MessageSpec, RuleClauseKind};
use crate::syntax::{canonical, Span};

impl Checker {
    pub(super) fn rules(&mut self, items: &[&Item]) -> Vec<program::Rule> {
        items
            .iter()
            .filter_map(|item| match item {
                Item::Rule(rule) => self.rule(rule),
                _ => None,
            })
            .collect()
    }

    pub(super) fn rule(&mut self, rule: &ast::RuleDef) -> Option<program::Rule> {
        let mut ok = self.distinct_clauses(rule);
        let find = |kw: &str| {
            rule.clauses
                .iter()
                .find(|c| c.kind.keyword() == kw)
                .map(|c| &c.kind)
        };
        let when = match find("when") {
            Some(RuleClauseKind::When(e)) => Some(e),
            _ => None,
        };
        let send = match find("send") {
            Some(RuleClauseKind::Send(s)) => Some(s),
            _ => None,
        };
        let required = [
            (
                when.is_none(),
                "when",
                "this rule never says when it applies",
                "add `when CONDITION`, e.g. `when plan == \"trial\"`",
            ),
            (
                send.is_none(),
                "send",
                "this rule never says what to send",
                "add `send CHANNEL \"message\"`, e.g. `send email \"import_guide\"`",
            ),
        ];
        for (_, kw, label, help) in required.into_iter().filter(|r| r.0) {
            self.report(
                Diagnostic::error(
                    Code::MissingClause,
                    rule.name.span,
                    format!("rule `{}` has no `{kw}` clause", rule.name.name),
                )
                .with_label(label)
                .with_help(help),
            );
        }
        let conjuncts = match when {
            Some(when) => self.conjuncts(when, &mut ok),
            None => Vec::new(),
        };
        let mut channel = 0;
        let mut fallbacks = Vec::new();
        let mut message = program::Message::Single(String::new());
        let mut params = Vec::new();
        if let Some(send) = send {
            match self.channel(&send.channel) {
                Some(c) => channel = c,
                None => ok = false,
            }
            fallbacks = self.fallbacks(send, &mut ok);
            match &send.message {
                MessageSpec::Single(m) => message = program::Message::Single(m.value.clone()),
                MessageSpec::Variants { variants, span } => {
                    message = self.variants(variants, *span, &mut ok);
                }
            }
            params = self.params(&send.params, &mut ok);
        }
        let extras = self.extras(rule, &mut ok);
        if !ok || when.is_none() || send.is_none() {
            return None;
        }
        Some(program::Rule {
            name: rule.name.name.clone(),
            describe: extras.describe,
            tags: extras.tags,
            conjuncts,
            channel,
            message,
            params,
            priority: extras.priority,
            cooldown: extras.cooldown,
            holdout: extras.holdout,
            fallbacks,
            deliver: extras.deliver,
            goal: extras.goal,
        })
    }

    /// The optional clauses: `describe`, `tags`, `priority`, `cooldown`,
    /// `holdout`, `deliver at`, `goal`.
    fn extras(&mut self, rule: &ast::RuleDef, ok: &mut bool) -> Extras {
        let mut x = Extras::default();
        for clause in &rule.clauses {
            match &clause.kind {
                RuleClauseKind::Describe(s) => x.describe = Some(s.value.clone()),
                RuleClauseKind::Tags(t) => {
                    for tag in t {
                        if self.declared_name(tag, "a tag") && !x.tags.contains(&tag.name) {
                            x.tags.push(tag.name.clone());
                        }
                    }
                }
                RuleClauseKind::Priority { value, .. } => x.priority = *value,
                RuleClauseKind::Cooldown(d) => {
                    if d.seconds() <= 0 {
                        self.report(
                            Diagnostic::error(Code::BadDuration, d.span, format!("a cooldown of {} never blocks a send", canonical::duration(d)))
                                .with_label("zero cooldown")
                                .with_help("give a positive duration such as `cooldown 7 days`, or remove the clause"),
                        );
                        *ok = false;
                    }
                    x.cooldown = Some(d.seconds().saturating_mul(crate::value::MICROS_PER_SECOND));
                }
                RuleClauseKind::Holdout(p) => {
                    if !(0.0..=100.0).contains(&p.value) {
                        self.report(
                            Diagnostic::error(Code::BadPercentage, p.span, format!("a holdout of {}% is over 100%", p.text))
                                .with_label("must be between 0% and 100%")
                                .with_help("a holdout is the share of matching customers kept as a control group, e.g. `holdout 10%`"),
                        );
                        *ok = false;
                    }
                    x.holdout = Some((p.value * 100.0).round() as u32);
                }
                RuleClauseKind::Deliver { at, days } => x.deliver = self.schedule(at, days, ok),
                RuleClauseKind::Goal(g) => match self.goal(g) {
                    Some(g) => x.goal = Some(g),
                    None => *ok = false,
                },
                RuleClauseKind::When(_) | RuleClauseKind::Send(_) => {}
            }
        }
        x
    }

    /// Each clause at most once; false when one is repeated.
    fn distinct_clauses(&mut self, rule: &ast::RuleDef) -> bool {
        let mut ok = true;
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for clause in &rule.clauses {
            let kw = clause.kind.keyword();
            if let Some(prev) = seen.get(kw) {
                let prev = *prev;
                let help = if kw == "send" {
                    String::from("a rule sends one message: write a second rule for the other send")
                } else {
                    format!("a rule has at most one `{kw}` clause: keep one")
                };
                self.given_twice(
                    clause.span,
                    prev,
                    format!("`{kw}` is given twice in rule `{}`", rule.name.name),
                    help,
                );
                ok = false;
            } else {
                seen.insert(kw, clause.span);
            }
        }
        ok
    }

    /// The `when`, split at top-level `and`. Narrowing flows left to right
    /// through the conjuncts.
    fn conjuncts(&mut self, when: &ast::Expr, ok: &mut bool) -> Vec<program::Conjunct> {
        let mut conjuncts = Vec::new();
        // Narrowing flows left to right through the top-level conjuncts.
        let mut scope = expr::Scope::default();
        for c in when.conjuncts() {
            match self.check_expr(c, &scope) {
                Some(t) => {
                    if self.expect_type(&t, &Type::Bool, c, "a rule's `when` must be a condition") {
                        conjuncts.push(program::Conjunct {
                            text: canonical::expr(c),
                            expr: t.expr,
                        });
                    } else {
                        *ok = false;
                    }
                }
                None => *ok = false,
            }
            scope.narrow_present(c);
        }
        conjuncts
    }

    /// A/B variants: shares in hundredths of a percent, adding up to 100%.
    fn variants(
        &mut self,
        variants: &[ast::Variant],
        span: Span,
        ok: &mut bool,
    ) -> program::Message {
        let mut total: u32 = 0;
        let mut out = Vec::new();
        for v in variants {
            let share = (v.share.value * 100.0).round();
            if !(share > 0.0 && share <= 10_000.0) {
                self.report(
                    Diagnostic::error(
                        Code::BadPercentage,
                        v.share.span,
                        format!(
                            "a variant's share must be between 0% and 100%, found {}%",
                            v.share.text
                        ),
                    )
                    .with_label("out of range")
                    .with_help("give each variant a positive share; the shares add up to 100%"),
                );
                *ok = false;
                continue;
            }
            if out
                .iter()
                .any(|(m, _): &(String, u32)| *m == v.message.value)
            {
                self.repeated(
                    v.message.span,
                    format!("variant \"{}\" is listed twice", v.message.value),
                    "repeated variant",
                    "each variant is a different message",
                );
                *ok = false;
            }
            total += share as u32;
            out.push((v.message.value.clone(), share as u32));
        }
        if total != 10_000 && *ok {
            let shown = crate::value::format_number(f64::from(total) / 100.0);
            self.report(
                Diagnostic::error(
                    Code::VariantTotal,
                    span,
                    format!("variant shares add up to {shown}%, not 100%"),
                )
                .with_label(format!("{shown}% in total"))
                .with_help("adjust the percentages so that they add up to exactly 100%"),
            );
            *ok = false;
        }
        program::Message::Variants(out)
    }

    /// The `with` parameters, each named once.
    fn params(&mut self, params: &[ast::Param], ok: &mut bool) -> Vec<(String, program::Expr)> {
        let mut out = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for p in params {
            if names.contains(&p.name.name.as_str()) {
                self.repeated(
                    p.name.span,
                    format!("parameter `{}` is given twice", p.name.name),
                    "given again",
                    "remove one of them",
                );
                *ok = false;
                continue;
            }
            names.push(&p.name.name);
            match self.check_param(&p.value) {
                Some(e) => out.push((p.name.name.clone(), e)),
                None => *ok = false,
            }
        }
        out
    }

    /// A `with` value: a string, number, bool, time or enum, never missing.
    pub(super) fn check_param(&mut self, e: &ast::Expr) -> Option<program::Expr> {
        let t = self.check_expr(e, &expr::Scope::default())?;
        if t.ty.is_optional() {
            self.optional_error(e, &t.ty);
            return None;
        }
        match t.ty {
            Type::String | Type::Int | Type::Number | Type::Bool | Type::Time | Type::Enum(_) => {
                Some(t.expr)
            }
            ref other => {
                let help = match other {
                    Type::List(_) => "pass one value, e.g. its length with `len(…)`",
                    Type::Duration => "pass a number, e.g. `days(…)` or `hours(…)`",
                    _ => "pass one of its fields, e.g. `company.name`",
                };
                self.report(
                    Diagnostic::error(
                        Code::BadParam,
                        e.span,
                        format!(
                            "a `with` value must be a string, number, bool or time, not {}",
                            self.schema.a_type(other)
                        ),
                    )
                    .with_label(format!("this is {}", self.schema.a_type(other)))
                    .with_help(help),
                );
                None
            }
        }
    }
}

/// A rule's optional clauses, checked.
#[derive(Default)]
struct Extras {
    describe: Option<String>,
    tags: Vec<String>,
    priority: i64,
    cooldown: Option<crate::value::Micros>,
    holdout: Option<u32>,
    deliver: Option<program::Schedule>,
    goal: Option<program::Goal>,
}
