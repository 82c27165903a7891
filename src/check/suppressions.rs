//! Suppressions: conditions that veto sends to everyone, one channel or
//! the rules with a tag.

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
            let mut scope_ = expr::Scope::default();
            let mut parts = Vec::new();
            let mut ok = true;
            for c in s.when.conjuncts() {
                match self.check_expr(c, &scope_) {
                    Some(t)
                        if self.expect_type(
                            &t,
                            &Type::Bool,
                            c,
                            "a suppression's `when` must be a condition",
                        ) =>
                    {
                        parts.push(t.expr)
                    }
                    _ => ok = false,
                }
                scope_.narrow_present(c);
            }
            let (Some(scope), true) = (scope, ok) else {
                continue;
            };
            let mut iter = parts.into_iter();
            let Some(first) = iter.next() else { continue };
            let when = iter.fold(first, |acc, e| {
                program::Expr::And(Box::new(acc), Box::new(e))
            });
            out.push(Suppression {
                name: s.name.name.clone(),
                when,
                text: canonical::expr(&s.when),
                scope,
            });
        }
        out
    }
}
