//! Suppressions: conditions that veto sends to everyone, one channel or
//! the rules with a tag; the veto conditions shared with `consent`.

use super::expr;
use super::Checker;
use crate::program::{self, Suppression, SuppressionScope, Type};
use crate::syntax::ast::{self, Item};
use crate::syntax::canonical;

impl Checker {
    pub(super) fn suppressions(&mut self, items: &[&Item]) -> Vec<Suppression> {
        let mut out = Vec::new();
        for item in items {
            let Item::Suppress(s) = item else { continue };
            let scope = match &s.scope {
                None => Some(SuppressionScope::All),
                Some(ast::SuppressScope::Channel(c)) => {
                    self.channel(c).map(SuppressionScope::Channel)
                }
                Some(ast::SuppressScope::Tag(t)) => Some(SuppressionScope::Tag(t.name.clone())),
            };
            let when = self.condition(&s.when, "a suppression's `when` must be a condition");
            let (Some(scope), Some(when)) = (scope, when) else {
                continue;
            };
            out.push(Suppression {
                name: s.name.name.clone(),
                when,
                text: canonical::expr(&s.when),
                scope,
            });
        }
        out
    }

    /// A veto condition (a suppression's or a consent's `when`): checked
    /// conjunct by conjunct, narrowing left to right as in a rule's `when`.
    pub(super) fn condition(&mut self, e: &ast::Expr, what: &str) -> Option<program::Expr> {
        let mut scope = expr::Scope::default();
        let mut parts = Vec::new();
        let mut ok = true;
        for c in e.conjuncts() {
            match self.check_expr(c, &scope) {
                Some(t) if self.expect_type(&t, &Type::Bool, c, what) => parts.push(t.expr),
                _ => ok = false,
            }
            scope.narrow_present(c);
        }
        let mut iter = parts.into_iter().filter(|_| ok);
        let first = iter.next()?;
        Some(iter.fold(first, |acc, e| {
            program::Expr::And(Box::new(acc), Box::new(e))
        }))
    }
}
