//! From conditions to claims: each conjunct of a rule, segment or
//! suppression (segments expanded, `not` pushed inward) says something about
//! a value: a bound on a number, time or duration, the strings or enum
//! members it may be, whether it is present, or that it never holds.

use super::linear::{count_of, Linear, MAX_DEPTH};
use super::Ctx;
use crate::check::expr::{key, strip};
use crate::program::Type;
use crate::syntax::ast::{AggregateKind, Builtin, CompareOp, Expr, ExprKind};
use crate::syntax::{canonical, Span};
use crate::value::Micros;

/// The most conjuncts one condition is split into, segments included.
const MAX_SOURCES: usize = 512;

/// A conjunct the claims come from.
#[derive(Debug, Clone)]
pub(in crate::check) struct Source {
    /// Where it is written.
    pub span: Span,
    /// Its canonical text.
    pub text: String,
    /// The segment it comes from, and where the condition refers to it.
    pub via: Option<(String, Span)>,
}

/// Where a claim comes from: a conjunct, or what a value is by definition.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::check) enum Origin {
    /// Index into the sources.
    Conjunct(usize),
    /// Always true, for this reason (`a count is never negative`).
    Definition(String),
}

/// What a conjunct says.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::check) enum Claim {
    /// It never holds, for this reason.
    Never(String),
    /// `form OP 0`.
    Compare(Linear, CompareOp),
    /// The value (by key) is one of (or, negated, none of) these literals;
    /// `universe` lists every value of an enum or bool.
    Member {
        /// The value's canonical text.
        key: String,
        /// The literals as written (`"trial"`, `true`).
        values: Vec<String>,
        /// `not in`, `!=`.
        negated: bool,
        /// Every possible value, for enums and bools.
        universe: Option<Vec<String>>,
    },
    /// The value (by key) is present, or missing.
    Presence {
        /// The value's canonical text.
        key: String,
        /// Present or missing.
        present: bool,
    },
}

/// A claim and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::check) struct Fact {
    /// What is claimed.
    pub claim: Claim,
    /// Where from.
    pub origin: Origin,
}

/// The claims of a condition, in source order.
#[derive(Debug, Clone, Default)]
pub(in crate::check) struct Facts {
    /// The conjuncts, segments' conjuncts included.
    pub sources: Vec<Source>,
    /// The claims.
    pub facts: Vec<Fact>,
}

const BOOLS: [&str; 2] = ["false", "true"];

impl Ctx<'_> {
    /// The claims of a whole condition, one source per top-level conjunct.
    pub(in crate::check) fn facts(&self, when: &Expr) -> Facts {
        let mut out = Facts::default();
        for c in when.conjuncts() {
            self.add_source(c, None, true, 0, &mut out);
        }
        out
    }

    /// The claims `e` makes when it holds (`positive`) or fails, all
    /// attributed to one source (for guards, where sources do not matter).
    pub(in crate::check) fn claims(&self, e: &Expr, positive: bool, out: &mut Facts) {
        if out.sources.len() >= MAX_SOURCES {
            return;
        }
        out.sources.push(Source {
            span: e.span,
            text: canonical::expr(e),
            via: None,
        });
        let at = out.sources.len() - 1;
        self.collect(e, positive, at, 0, out);
    }

    fn add_source(
        &self,
        c: &Expr,
        via: Option<(String, Span)>,
        positive: bool,
        depth: usize,
        out: &mut Facts,
    ) {
        if out.sources.len() >= MAX_SOURCES {
            return;
        }
        out.sources.push(Source {
            span: c.span,
            text: canonical::expr(strip(c)),
            via,
        });
        let at = out.sources.len() - 1;
        self.collect(c, positive, at, depth, out);
    }

    fn push(&self, claim: Claim, at: usize, out: &mut Facts) {
        out.facts.push(Fact {
            claim,
            origin: Origin::Conjunct(at),
        });
    }

    /// The claims of `e` (or of `not e`), from source `at`.
    fn collect(&self, e: &Expr, positive: bool, at: usize, depth: usize, out: &mut Facts) {
        let e = strip(e);
        if depth > MAX_DEPTH || !self.spend() {
            return;
        }
        let next = depth + 1;
        match &e.kind {
            ExprKind::And(a, b) if positive => {
                self.collect(a, true, at, next, out);
                self.collect(b, true, at, next, out);
            }
            ExprKind::Or(a, b) if !positive => {
                self.collect(a, false, at, next, out);
                self.collect(b, false, at, next, out);
            }
            ExprKind::Not(x) => self.collect(x, !positive, at, next, out),
            ExprKind::Bool(b) if *b != positive => {
                self.push(Claim::Never(format!("`{}` never holds", key(e))), at, out);
            }
            ExprKind::Path(parts) => self.path_claims(e, parts, positive, at, depth, out),
            ExprKind::Compare(op, a, b) => {
                let op = if positive { *op } else { negate(*op) };
                self.compare(op, a, b, at, depth, out);
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let values: Option<Vec<String>> = list
                    .iter()
                    .map(|x| match &strip(x).kind {
                        ExprKind::Str(s) => Some(canonical::string(s)),
                        _ => None,
                    })
                    .collect();
                if let Some(values) = values {
                    let universe = self.universe(value);
                    self.member(value, values, *negated == positive, universe, at, out);
                }
            }
            ExprKind::IsPresent(x) | ExprKind::IsMissing(x) => {
                let present = matches!(e.kind, ExprKind::IsPresent(_)) == positive;
                self.presence(x, present, at, out);
            }
            ExprKind::OlderThan(t, d) if positive => {
                // now - t > d
                let form = self.linear(t, next).plus(self.linear(d, next));
                self.push(Claim::Compare(form, CompareOp::Lt), at, out);
                if let (Some(count), Some(w)) = (self.occurrences(t, false), self.window(d)) {
                    self.push(
                        Claim::Compare(count_of(&count, Some(w)), CompareOp::Le),
                        at,
                        out,
                    );
                }
            }
            ExprKind::OlderThan(t, d) => {
                let form = self.linear(t, next).plus(self.linear(d, next));
                self.push(Claim::Compare(form, CompareOp::Ge), at, out);
            }
            ExprKind::Within(t, d) if positive => {
                // now - d < t <= now
                let lt = self.linear(t, next);
                let form = lt.clone().plus(self.linear(d, next));
                self.push(Claim::Compare(form, CompareOp::Gt), at, out);
                self.push(Claim::Compare(lt, CompareOp::Le), at, out);
                if let (Some(count), Some(w)) = (self.occurrences(t, true), self.window(d)) {
                    let form = count_of(&count, Some(w)).plus(Linear::constant(-1.0));
                    self.push(Claim::Compare(form, CompareOp::Ge), at, out);
                }
            }
            ExprKind::InactiveFor(d) => {
                if let Some(activity) = self.activity {
                    let form = self.linear(activity, next).plus(self.linear(d, next));
                    let op = if positive {
                        CompareOp::Lt
                    } else {
                        CompareOp::Ge
                    };
                    self.push(Claim::Compare(form, op), at, out);
                }
            }
            ExprKind::Never { event, window } => {
                let count = self.count_in(&event.name, window.as_deref());
                self.at_least(count, if positive { 0 } else { 1 }, !positive, at, out);
            }
            ExprKind::AtLeast {
                event,
                count,
                window,
                ..
            } => {
                let c = self.count_in(&event.name, window.as_deref());
                let bound = if positive {
                    *count
                } else {
                    count.saturating_sub(1)
                };
                self.at_least(c, bound, positive, at, out);
            }
            ExprKind::Sent {
                message,
                window,
                negated,
            } => {
                let m = canonical::string(&message.value);
                let what = format!("message {m}");
                let c = self.counted(&what, window.as_deref(), |w| format!("count(sent {m}{w})"));
                let sent = *negated != positive;
                self.at_least(c, if sent { 1 } else { 0 }, sent, at, out);
            }
            _ => {}
        }
    }

    /// `count >= n` (`lower`) or `count <= n`.
    fn at_least(&self, count: Linear, n: i64, lower: bool, at: usize, out: &mut Facts) {
        let form = count.plus(Linear::constant(-(n as f64)));
        let op = if lower { CompareOp::Ge } else { CompareOp::Le };
        self.push(Claim::Compare(form, op), at, out);
    }

    /// A name: a segment (expanded) or a bool attribute.
    fn path_claims(
        &self,
        e: &Expr,
        parts: &[crate::syntax::ast::Ident],
        positive: bool,
        at: usize,
        depth: usize,
        out: &mut Facts,
    ) {
        let segment = parts
            .first()
            .filter(|_| parts.len() == 1)
            .and_then(|p| self.segments.get(p.name.as_str()).map(|d| (p, *d)));
        if let Some((name, def)) = segment {
            if !positive {
                self.collect(def, false, at, depth + 1, out);
                return;
            }
            let via = out
                .sources
                .get(at)
                .and_then(|s| s.via.clone())
                .unwrap_or_else(|| (name.name.clone(), e.span));
            for c in def.conjuncts() {
                if depth + 1 > MAX_DEPTH {
                    return;
                }
                self.add_source(c, Some(via.clone()), true, depth + 1, out);
            }
            return;
        }
        if self.path_type(parts).map(|t| t.required().clone()) == Some(Type::Bool) {
            let value = if positive { "true" } else { "false" };
            self.push(
                Claim::Member {
                    key: key(e),
                    values: vec![value.to_string()],
                    negated: false,
                    universe: Some(BOOLS.iter().map(|s| s.to_string()).collect()),
                },
                at,
                out,
            );
        }
    }

    /// `a OP b`: membership for strings, enums and bools, a linear form
    /// otherwise.
    fn compare(&self, op: CompareOp, a: &Expr, b: &Expr, at: usize, depth: usize, out: &mut Facts) {
        let literal = |x: &Expr| match &strip(x).kind {
            ExprKind::Str(s) => Some(canonical::string(s)),
            ExprKind::Bool(v) => Some(v.to_string()),
            _ => None,
        };
        let member = match (literal(a), literal(b)) {
            (None, Some(v)) => Some((b, a, v)),
            (Some(v), None) => Some((a, b, v)),
            _ => None,
        };
        if let Some((lit, value, v)) = member {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return;
            }
            let universe = match &strip(lit).kind {
                ExprKind::Bool(_) => Some(BOOLS.iter().map(|s| s.to_string()).collect()),
                _ => self.universe(value),
            };
            self.member(value, vec![v], op == CompareOp::Ne, universe, at, out);
            return;
        }
        if self
            .kind(a, depth)
            .or_else(|| self.kind(b, depth))
            .is_none()
        {
            return;
        }
        let form = self.linear(a, depth + 1).minus(self.linear(b, depth + 1));
        self.push(Claim::Compare(form, op), at, out);
    }

    /// `value` is (or, `negated`, is not) one of the literals. `lower(…)` is
    /// never a literal with upper-case letters.
    fn member(
        &self,
        value: &Expr,
        mut values: Vec<String>,
        negated: bool,
        universe: Option<Vec<String>>,
        at: usize,
        out: &mut Facts,
    ) {
        let lowered = matches!(
            &strip(value).kind,
            ExprKind::Call {
                func: Builtin::Lower,
                ..
            }
        );
        if lowered && !negated {
            let upper = |v: &String| {
                v.chars()
                    .any(|c| c.is_uppercase() && c.to_lowercase().next() != Some(c))
            };
            if let Some(first) = values.iter().find(|v| upper(v)).cloned() {
                values.retain(|v| !upper(v));
                if values.is_empty() {
                    let why = format!(
                        "`{}` has no upper-case letters, so it is never {first}",
                        key(value)
                    );
                    self.push(Claim::Never(why), at, out);
                    return;
                }
            }
        }
        self.push(
            Claim::Member {
                key: key(value),
                values,
                negated,
                universe,
            },
            at,
            out,
        );
    }

    /// `x is present` / `x is missing`.
    fn presence(&self, x: &Expr, present: bool, at: usize, out: &mut Facts) {
        let x = strip(x);
        if let ExprKind::Path(parts) = &x.kind {
            if !present && self.path_type(parts).is_some_and(|t| !t.is_optional()) {
                let why = format!("`{}` is never missing: the schema requires it", key(x));
                self.push(Claim::Never(why), at, out);
                return;
            }
        }
        if let Some((event, window, exact)) = self.occurrences_in(x) {
            if present || exact {
                let c = count_of(&event, window);
                self.at_least(c, if present { 1 } else { 0 }, present, at, out);
            }
        }
        self.push(
            Claim::Presence {
                key: key(x),
                present,
            },
            at,
            out,
        );
    }

    /// For `last(E)` (and, with `first`, `first(E)`) without a window or
    /// filter: the event. `last(E) older than D` means no `E` within `D`;
    /// `last(E) within D` or `first(E) within D` means one at least.
    fn occurrences(&self, t: &Expr, first: bool) -> Option<String> {
        match &strip(t).kind {
            ExprKind::Aggregate {
                kind,
                event,
                filter: None,
                window: None,
                ..
            } if *kind == AggregateKind::Last || (first && *kind == AggregateKind::First) => {
                Some(event.name.clone())
            }
            _ => None,
        }
    }

    /// An aggregate that is present only when its event occurred in its
    /// window (no filter): `last(E)`, `max(E.p within D)`, …; `exact` when
    /// it is also present whenever the event occurred (`last`, `first`: a
    /// property aggregate may lack values).
    fn occurrences_in(&self, x: &Expr) -> Option<(String, Option<Micros>, bool)> {
        match &strip(x).kind {
            ExprKind::Aggregate {
                kind:
                    kind @ (AggregateKind::Last
                    | AggregateKind::First
                    | AggregateKind::Min
                    | AggregateKind::Max
                    | AggregateKind::Avg),
                event,
                filter: None,
                window,
                ..
            } => {
                let window = match window {
                    Some(w) => Some(self.window(w)?),
                    None => None,
                };
                Some((
                    event.name.clone(),
                    window,
                    matches!(kind, AggregateKind::Last | AggregateKind::First),
                ))
            }
            _ => None,
        }
    }

    /// Every member of an enum value, or `None`.
    fn universe(&self, value: &Expr) -> Option<Vec<String>> {
        let parts = match &strip(value).kind {
            ExprKind::Path(parts) => parts,
            ExprKind::Call {
                func: Builtin::LocalWeekday,
                ..
            } => {
                return Some(
                    crate::program::WEEKDAYS
                        .iter()
                        .map(|d| canonical::string(d))
                        .collect(),
                )
            }
            _ => return None,
        };
        match self.path_type(parts)?.required() {
            Type::Enum(id) => self
                .schema
                .enums
                .get(*id as usize)
                .map(|m| m.iter().map(|s| canonical::string(s)).collect()),
            Type::Bool => Some(BOOLS.iter().map(|s| s.to_string()).collect()),
            _ => None,
        }
    }
}

/// The operator that holds exactly when `op` does not.
pub(in crate::check) fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Ge => CompareOp::Lt,
    }
}
