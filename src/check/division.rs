//! The division lint (`docs/language.md#lints`): `a / b` fails at run time
//! when `b` is zero, so `b` must be a non-zero constant, never zero by
//! definition (`max(b, 1)`, `count(…) + 1`), or guarded by the conditions
//! evaluated before it: earlier conjuncts of the same `and` (the rule's
//! `when` for its `with` values), or the failed left side of an `or`.
//! Segments and metrics are followed from where they are used, with the
//! guards of that place; a division nothing guards is reported once.

use super::expr::{key, strip};
use super::satisfiable::{Claim, Ctx, Domain, Fact, Facts, Origin, MAX_DEPTH};
use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{
    ArithOp, CompareOp, Expr, ExprKind, Item, PolicyClauseKind, RuleClauseKind,
};
use crate::syntax::Span;

/// The most expression nodes visited from one item (segments and metrics
/// are followed at each use).
const BUDGET: usize = 20_000;

/// Warns about each division whose divisor may be zero.
pub(super) fn run(checker: &mut Checker, items: &[&Item]) {
    let ctx = Ctx::new(&checker.schema, items);
    let mut walk = Walk {
        ctx: &ctx,
        found: Vec::new(),
        budget: 0,
    };
    for item in items {
        walk.budget = BUDGET;
        ctx.fresh();
        match item {
            Item::Rule(rule) => {
                let mut known = Facts::default();
                if let Some(when) = rule.clauses.iter().find_map(|c| match &c.kind {
                    RuleClauseKind::When(e) => Some(e),
                    _ => None,
                }) {
                    for c in when.conjuncts() {
                        walk.expr(c, &known, None, 0);
                        ctx.claims(c, true, &mut known);
                    }
                }
                for clause in &rule.clauses {
                    if let RuleClauseKind::Send(send) = &clause.kind {
                        for p in &send.params {
                            walk.expr(&p.value, &known, None, 0);
                        }
                    }
                }
            }
            Item::Suppress(s) => walk.expr(&s.when, &Facts::default(), None, 0),
            Item::Policy(p) => {
                for c in &p.clauses {
                    if let PolicyClauseKind::Activity(e) | PolicyClauseKind::Timezone(e) = &c.kind {
                        walk.expr(e, &Facts::default(), None, 0);
                    }
                }
            }
            _ => {}
        }
    }
    let found = walk.found;
    drop(ctx);
    for d in found {
        checker.report(d);
    }
}

struct Walk<'c, 'a> {
    ctx: &'c Ctx<'a>,
    found: Vec<Diagnostic>,
    budget: usize,
}

impl Walk<'_, '_> {
    /// Visits `e` knowing `known` holds; `via` is the segment or metric
    /// being followed and where it is used.
    fn expr(&mut self, e: &Expr, known: &Facts, via: Option<(&str, Span)>, depth: usize) {
        if depth > MAX_DEPTH || self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let next = depth + 1;
        match &e.kind {
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.expr(a, known, via, next);
                let mut more = known.clone();
                let and = matches!(e.kind, ExprKind::And(..));
                self.ctx.claims(a, and, &mut more);
                self.expr(b, &more, via, next);
            }
            ExprKind::If { cond, then, other } => {
                // Only the chosen branch is evaluated.
                self.expr(cond, known, via, next);
                for (branch, holds) in [(then, true), (other, false)] {
                    let mut more = known.clone();
                    self.ctx.claims(cond, holds, &mut more);
                    self.expr(branch, &more, via, next);
                }
            }
            ExprKind::Arith(ArithOp::Div, a, b) => {
                self.expr(a, known, via, next);
                self.expr(b, known, via, next);
                if !self.nonzero(b, known) {
                    self.report(b, via);
                }
            }
            ExprKind::Aggregate { filter, window, .. } => {
                if let Some(w) = window {
                    self.expr(w, known, via, next);
                }
                // Inside `where`, names are the event's properties: nothing
                // known outside applies.
                if let Some(f) = filter {
                    self.expr(f, &Facts::default(), via, next);
                }
            }
            ExprKind::Path(parts) if parts.len() == 1 => {
                let Some(name) = parts.first() else { return };
                let def = self
                    .ctx
                    .segments
                    .get(name.name.as_str())
                    .or_else(|| self.ctx.metrics.get(name.name.as_str()));
                if let Some(def) = def {
                    let via = via.or(Some((name.name.as_str(), e.span)));
                    self.expr(def, known, via, next);
                }
            }
            _ => {
                for child in e.children().into_iter().chain(e.window()) {
                    self.expr(child, known, via, next);
                }
            }
        }
    }

    /// Whether `b` cannot be zero where `known` holds.
    fn nonzero(&self, b: &Expr, known: &Facts) -> bool {
        if self.ctx.exhausted() {
            // Too much to follow: no warning rather than a guess.
            return true;
        }
        let mut domain = Domain::default();
        for f in &known.facts {
            if domain.add(f).is_some() {
                // The guards contradict one another: never evaluated.
                return true;
            }
        }
        let form = self.ctx.linear(b, 0);
        if self.ctx.exhausted() {
            return true;
        }
        if let Some(c) = form.as_constant() {
            return c != 0.0;
        }
        let zero = Fact {
            claim: Claim::Compare(form, CompareOp::Eq),
            origin: Origin::Definition(String::new()),
        };
        domain.add(&zero).is_some()
    }

    fn report(&mut self, b: &Expr, via: Option<(&str, Span)>) {
        if self.found.iter().any(|d| d.span == b.span) {
            return;
        }
        let k = key(b);
        let shown = if matches!(strip(b).kind, ExprKind::Path(_)) {
            k.clone()
        } else {
            format!("({k})")
        };
        let mut d = Diagnostic::warning(
            Code::DivisionByZero,
            b.span,
            format!("possible division by zero: `{k}` may be 0, and the division then fails (outcome `error`)"),
        )
        .with_label("may be zero here")
        .with_help(format!(
            "guard it earlier in the same condition (`{k} > 0 and …` or `{k} != 0 and …`), or divide by `max({shown}, 1)`"
        ));
        if let Some((name, at)) = via {
            d = d.with_related(at, format!("`{name}` is used here without a guard"));
        }
        self.found.push(d);
    }
}
