//! The impossible-condition lint (`docs/language.md#lints`): a rule,
//! segment or suppression whose conjuncts contradict one another, on their
//! own or through the segments they use, can never hold. The reasoning is
//! deliberately small and sound (no false alarms): bounds of numbers, times
//! and durations against constants ([`linear`]), the literals strings,
//! enums and bools may be, presence, and counts of events and sent messages
//! in windows that contain one another ([`domain`]). Disjunctions are not
//! looked into.

mod domain;
mod facts;
mod linear;

use std::cell::Cell;
use std::collections::HashMap;

pub(in crate::check) use domain::Domain;
use domain::{first_conflict, Conflict};
use facts::Source;
pub(in crate::check) use facts::{Claim, Fact, Facts, Origin};
pub(in crate::check) use linear::MAX_DEPTH;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Schema, Type};
use crate::syntax::ast::{Expr, Ident, Item, PolicyClauseKind, RuleClauseKind};
use crate::syntax::Span;

/// What the lints read besides the expression itself: the schema, the
/// segments and metrics by name, and the policy's activity.
pub(in crate::check) struct Ctx<'a> {
    pub schema: &'a Schema,
    pub segments: HashMap<&'a str, &'a Expr>,
    pub metrics: HashMap<&'a str, &'a Expr>,
    pub activity: Option<&'a Expr>,
    /// Steps left for the item being linted: segments and metrics that use
    /// one another twice would otherwise be followed exponentially often.
    work: Cell<usize>,
}

/// The steps one rule, segment or suppression may take.
const WORK: usize = 50_000;

impl<'a> Ctx<'a> {
    pub(in crate::check) fn new(schema: &'a Schema, items: &[&'a Item]) -> Ctx<'a> {
        let mut ctx = Ctx {
            schema,
            segments: HashMap::new(),
            metrics: HashMap::new(),
            activity: None,
            work: Cell::new(WORK),
        };
        for item in items {
            match item {
                Item::Segment(d) => {
                    ctx.segments.insert(d.name.name.as_str(), &d.expr);
                }
                Item::Metric(d) => {
                    ctx.metrics.insert(d.name.name.as_str(), &d.expr);
                }
                Item::Policy(p) => {
                    for c in &p.clauses {
                        if let PolicyClauseKind::Activity(e) = &c.kind {
                            ctx.activity = Some(e);
                        }
                    }
                }
                _ => {}
            }
        }
        ctx
    }

    /// Starts the work allowance of a new item.
    pub(in crate::check) fn fresh(&self) {
        self.work.set(WORK);
    }

    /// Takes one step; false once the allowance is spent (the reasoning
    /// then stops looking: fewer findings, never a wrong one).
    pub(in crate::check) fn spend(&self) -> bool {
        let left = self.work.get();
        self.work.set(left.saturating_sub(1));
        left > 0
    }

    /// Whether the allowance ran out.
    pub(in crate::check) fn exhausted(&self) -> bool {
        self.work.get() == 0
    }

    /// The type of an attribute or record field path.
    pub(in crate::check) fn path_type(&self, parts: &[Ident]) -> Option<Type> {
        let first = parts.first()?;
        if self.segments.contains_key(first.name.as_str())
            || self.metrics.contains_key(first.name.as_str())
        {
            return None;
        }
        let i = self.schema.attribute_index(&first.name)?;
        let mut ty = self.schema.attributes.get(i)?.ty.clone();
        for field in parts.get(1..).unwrap_or(&[]) {
            let Type::Record(id) = ty.required() else {
                return None;
            };
            let fields = self.schema.records.get(*id as usize)?;
            ty = fields.iter().find(|f| f.name == field.name)?.ty.clone();
        }
        Some(ty)
    }
}

/// What is being linted, for the message.
#[derive(Clone, Copy)]
enum What {
    Rule,
    Segment,
    Suppression,
}

impl What {
    fn title(self, name: &str) -> String {
        match self {
            What::Rule => format!("rule `{name}` can never send"),
            What::Segment => format!("segment `{name}` can never hold"),
            What::Suppression => format!("suppression `{name}` never applies"),
        }
    }
}

/// Warns about each rule, segment and suppression that can never hold.
pub(super) fn run(checker: &mut Checker, items: &[&Item]) {
    let ctx = Ctx::new(&checker.schema, items);
    let mut found = Vec::new();
    for item in items {
        let (what, name, when) = match item {
            Item::Rule(r) => {
                let when = r.clauses.iter().find_map(|c| match &c.kind {
                    RuleClauseKind::When(e) => Some(e),
                    _ => None,
                });
                match when {
                    Some(e) => (What::Rule, &r.name, e),
                    None => continue,
                }
            }
            Item::Segment(d) => (What::Segment, &d.name, &d.expr),
            Item::Suppress(s) => (What::Suppression, &s.name, &s.when),
            _ => continue,
        };
        ctx.fresh();
        let facts = ctx.facts(when);
        if let Some(c) = first_conflict(&facts.facts) {
            found.extend(diagnostic(what, &name.name, &facts.sources, &c));
        }
    }
    drop(ctx);
    for d in found {
        checker.report(d);
    }
}

/// Where a conjunct is shown: its segment's name where the condition uses
/// it, else the conjunct itself.
fn shown_at(s: &Source) -> Span {
    s.via.as_ref().map(|(_, at)| *at).unwrap_or(s.span)
}

fn diagnostic(what: What, name: &str, sources: &[Source], c: &Conflict) -> Option<Diagnostic> {
    let mut at: Vec<usize> = [&c.first, &c.second]
        .into_iter()
        .filter_map(|o| match o {
            Origin::Conjunct(i) => Some(*i),
            Origin::Definition(_) => None,
        })
        .collect();
    at.sort_unstable();
    at.dedup();
    let why = [&c.first, &c.second]
        .into_iter()
        .find_map(|o| match o {
            Origin::Definition(why) => Some(why.clone()),
            Origin::Conjunct(_) => None,
        })
        .unwrap_or_else(|| c.why.clone());
    let picked: Vec<&Source> = at.iter().filter_map(|i| sources.get(*i)).collect();
    let title = what.title(name);
    let vias: Vec<Option<&(String, Span)>> = picked.iter().map(|s| s.via.as_ref()).collect();
    if let [Some((segment, reference)), rest @ ..] = vias.as_slice() {
        if rest
            .iter()
            .all(|v| *v == Some(&(segment.clone(), *reference)))
        {
            return Some(
                Diagnostic::warning(
                    Code::NeverHolds,
                    *reference,
                    format!("{title}: segment `{segment}` never holds"),
                )
                .with_label(why)
                .with_help(format!(
                    "fix segment `{segment}` (its own warning shows the conditions), or stop using it here"
                )),
            );
        }
    }
    let through = |s: &Source| match &s.via {
        Some((segment, _)) => format!(" (`{}` through segment `{segment}`)", s.text),
        None => String::new(),
    };
    match picked.as_slice() {
        [one] => Some(
            Diagnostic::warning(
                Code::NeverHolds,
                shown_at(one),
                format!("{title}: `{}` never holds", one.text),
            )
            .with_label(format!("{why}{}", through(one)))
            .with_help("remove this condition, or write the one that was meant"),
        ),
        [first, second] => Some(
            Diagnostic::warning(
                Code::NeverHolds,
                shown_at(second),
                format!(
                    "{title}: `{}` and `{}` cannot both hold",
                    first.text, second.text
                ),
            )
            .with_label(format!("{why}{}", through(second)))
            .with_related(
                shown_at(first),
                format!("contradicted by this condition{}", through(first)),
            )
            .with_help(
                "remove one of the two conditions, or join them with `or` if either should do",
            ),
        ),
        _ => None,
    }
}
