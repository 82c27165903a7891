//! Global names: segments, metrics, rules and suppressions share one
//! namespace; duplicates and reserved words are refused here.

use super::{Checker, Def, DefState, NameKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, Item};
use crate::syntax::canonical;

impl Checker {
    pub(super) fn names(&mut self, items: &[&Item]) {
        for item in items {
            let (kind, ident) = match item {
                Item::Segment(d) => (NameKind::Segment, &d.name),
                Item::Metric(d) => (NameKind::Metric, &d.name),
                Item::Rule(r) => (NameKind::Rule, &r.name),
                Item::Suppress(s) => (NameKind::Suppression, &s.name),
                _ => continue,
            };
            if !self.declared_name(ident, &format!("a {}", kind.word())) {
                continue;
            }
            if let Some((prev_kind, prev_span)) = self.names.get(&ident.name).copied() {
                let message = if prev_kind == kind {
                    format!("{} `{}` is defined twice", kind.word(), ident.name)
                } else {
                    format!(
                        "a {} and a {} are both named `{}`",
                        prev_kind.word(),
                        kind.word(),
                        ident.name
                    )
                };
                self.report(
                    Diagnostic::error(Code::DuplicateName, ident.span, message)
                        .with_label("defined again here")
                        .with_help("segments, metrics, rules and suppressions share one namespace: rename one of them")
                        .with_related(prev_span, "first defined here"),
                );
                continue;
            }
            self.names.insert(ident.name.clone(), (kind, ident.span));
            let def = |d: &ast::Definition| Def {
                name: d.name.name.clone(),
                name_span: d.name.span,
                expr: d.expr.clone(),
                text: canonical::expr(&d.expr),
                state: DefState::Unchecked,
                uses: 0,
            };
            match item {
                Item::Segment(d) => self.segments.push(def(d)),
                Item::Metric(d) => self.metrics.push(def(d)),
                _ => {}
            }
        }
    }
}
