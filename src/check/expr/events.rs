//! Events: aggregates, `E at least N times`, and event names.

use super::{typed, Scope, Typed};
use crate::check::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{self, Expr as PExpr, Type, Window};
use crate::syntax::ast::{AggregateKind, Expr, ExprKind, Ident};
use crate::syntax::Span;

impl Checker {
    pub(in crate::check) fn event(&mut self, ident: &Ident) -> Option<u32> {
        if let Some(i) = self.schema.event_index(&ident.name) {
            return Some(i as u32);
        }
        self.report(
            Diagnostic::unknown(Code::UnknownEvent, ident.span, "event", &ident.name)
                .with_label("not an event of the schema")
                .with_suggestion(
                    &ident.name,
                    self.schema.events.iter().map(|e| e.name.as_str()),
                    format!("declare it in the schema: `event {}`", ident.name),
                ),
        );
        None
    }

    /// The event's slot and the window's length, both checked (and both
    /// reported) before either fails.
    fn event_within(
        &mut self,
        event: &Ident,
        window: Option<&Expr>,
        scope: &Scope,
    ) -> Option<(u32, Option<Window>)> {
        let window = self.optional_window(window, scope);
        let ev = self.event(event)?;
        Some((ev, window.ok()?))
    }

    pub(super) fn aggregate(
        &mut self,
        kind: AggregateKind,
        event: &Ident,
        property: Option<&Ident>,
        filter: Option<&Expr>,
        window: Option<&Expr>,
        scope: &Scope,
    ) -> Option<Typed> {
        let (ev, window) = self.event_within(event, window, scope)?;
        let props = self.schema.events.get(ev as usize)?.props.clone();
        let prop = match property {
            Some(p) => match props.iter().position(|f| f.name == p.name) {
                Some(i) => Some((i as u32, props.get(i)?.ty.clone(), p)),
                None => {
                    let names: Vec<&str> = props.iter().map(|f| f.name.as_str()).collect();
                    self.report(no_property(
                        Code::UnknownProperty,
                        &event.name,
                        p,
                        &names,
                        "not a property of this event",
                        "number",
                    ));
                    return None;
                }
            },
            None => None,
        };
        if let Some((_, ty, p)) = &prop {
            let numeric = ty.required().is_numeric();
            let scalar = matches!(
                ty.required(),
                Type::String | Type::Int | Type::Number | Type::Bool | Type::Time | Type::Enum(_)
            );
            let needs_numeric = matches!(
                kind,
                AggregateKind::Sum | AggregateKind::Min | AggregateKind::Max | AggregateKind::Avg
            );
            if (needs_numeric && !numeric) || !scalar {
                self.mismatch(
                    &Expr {
                        kind: ExprKind::Bool(false),
                        span: p.span,
                    },
                    format!(
                        "`{}` needs a numeric property, but `{}.{}` is {}",
                        kind.name(),
                        event.name,
                        p.name,
                        self.schema.a_type(ty)
                    ),
                    format!("this is {}", self.schema.a_type(ty)),
                    format!(
                        "use `distinct({}.{} …)` to count different values, or aggregate a number",
                        event.name, p.name
                    ),
                );
                return None;
            }
        }
        let filter = match filter {
            Some(f) => {
                let mut inner = scope.clone();
                inner.event = Some(ev);
                let t = self.check_expr(f, &inner)?;
                if !self.expect_type(
                    &t,
                    &Type::Bool,
                    f,
                    "a `where` condition must be a condition",
                ) {
                    return None;
                }
                Some(t.expr)
            }
            None => None,
        };
        let ty = match kind {
            AggregateKind::Count | AggregateKind::Distinct => Type::Int,
            AggregateKind::Sum => Type::Number,
            AggregateKind::Min | AggregateKind::Max | AggregateKind::Avg => {
                Type::Optional(Box::new(Type::Number))
            }
            AggregateKind::Last | AggregateKind::First => Type::Optional(Box::new(Type::Time)),
        };
        typed(
            ty,
            PExpr::Aggregate(Box::new(program::Aggregate {
                kind,
                event: ev,
                property: prop.map(|(i, _, _)| i),
                filter,
                window,
            })),
        )
    }

    /// `E at least N times [within D]`.
    pub(super) fn at_least(
        &mut self,
        event: &Ident,
        count: i64,
        count_span: Span,
        window: Option<&Expr>,
        scope: &Scope,
    ) -> Option<Typed> {
        let (ev, window) = self.event_within(event, window, scope)?;
        if count < 1 {
            self.report(
                Diagnostic::error(
                    Code::BadCount,
                    count_span,
                    "`at least 0 times` is always true",
                )
                .with_label("always true")
                .with_help(format!(
                    "use a count of 1 or more, or `never {}` for none",
                    event.name
                )),
            );
            return None;
        }
        typed(
            Type::Bool,
            PExpr::AtLeast {
                event: ev,
                count,
                window,
            },
        )
    }
}

/// `event` has no property `prop` (a `code` error labelled `label`): the
/// property of `props` it may be a slip for, or how to declare one, of the
/// type `example`.
pub(in crate::check) fn no_property(
    code: Code,
    event: &str,
    prop: &Ident,
    props: &[&str],
    label: &str,
    example: &str,
) -> Diagnostic {
    let otherwise = if props.is_empty() {
        format!(
            "`{event}` has no properties; declare them in the schema: `event {event} {{ {}: {example} }}`",
            prop.name
        )
    } else {
        format!("the properties of `{event}` are {}", props.join(", "))
    };
    Diagnostic::error(
        code,
        prop.span,
        format!("`{event}` has no property `{}`", prop.name),
    )
    .with_label(label)
    .with_suggestion(&prop.name, props.iter().copied(), otherwise)
}
