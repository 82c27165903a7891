//! Optional-safety by narrowing: which optional expressions are known to
//! be present where an expression is checked. Expressions are matched by
//! their canonical text ([`canonical::expr`]).

use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::canonical;

/// What is known where an expression is checked: which optional
/// expressions are known present, and the event whose properties are in
/// scope inside a `where` condition.
#[derive(Debug, Clone, Default)]
pub(in crate::check) struct Scope {
    /// Canonical texts of the expressions known present.
    pub(super) narrowed: Vec<String>,
    /// The event whose properties are in scope (inside `where`).
    pub(super) event: Option<u32>,
}

impl Scope {
    /// Inside a `where` over `event`: its properties are in scope by bare name.
    pub(in crate::check) fn for_event(event: u32) -> Scope {
        Scope {
            narrowed: Vec::new(),
            event: Some(event),
        }
    }

    /// After `A` in `A and B`: every `x is present` conjunct of `A` makes `x`
    /// known present in `B`.
    pub(in crate::check) fn narrow_present(&mut self, e: &Expr) {
        self.narrow(e, true);
    }

    /// After `A` in `A or B`: every `x is missing` disjunct of `A` makes `x`
    /// known present in `B`.
    pub(in crate::check) fn narrow_missing(&mut self, e: &Expr) {
        self.narrow(e, false);
    }

    /// The operands of `A`'s top-level `and` chain (`held`: `A` holds) or
    /// `or` chain (`A` failed), nested chains included, that make a value
    /// known present.
    fn narrow(&mut self, e: &Expr, held: bool) {
        let parts = if held {
            strip(e).conjuncts()
        } else {
            strip(e).disjuncts()
        };
        for p in parts {
            match (&strip(p).kind, held) {
                (ExprKind::IsPresent(x), true) | (ExprKind::IsMissing(x), false) => {
                    self.narrowed.push(key(x))
                }
                (ExprKind::And(..), true) | (ExprKind::Or(..), false) => {
                    self.narrow(strip(p), held)
                }
                _ => {}
            }
        }
    }

    pub(super) fn knows_present(&self, e: &Expr) -> bool {
        !self.narrowed.is_empty() && self.narrowed.contains(&key(e))
    }
}

/// The expression inside any parentheses.
pub(in crate::check) fn strip(mut e: &Expr) -> &Expr {
    while let ExprKind::Paren(inner) = &e.kind {
        e = inner;
    }
    e
}

/// The canonical text of an expression: what narrowing matches on.
pub(in crate::check) fn key(e: &Expr) -> String {
    canonical::expr(strip(e))
}
