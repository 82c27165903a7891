//! Checking a rule's `goal EVENT [where COND] within D` (LANGUAGE.md 12.8):
//! the event exists, the window is positive, and the condition is a `bool`
//! that reads only the event's own properties, since `nudge report` judges
//! it from the outcome snapshots' events alone.

use super::expr::no_property;
use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{self, Type};
use crate::syntax::ast::{Expr, ExprKind, GoalClause};
use crate::syntax::canonical;
use crate::value::MICROS_PER_SECOND;

/// Deeper `where` conditions are refused rather than walked.
const MAX_DEPTH: usize = 200;

impl Checker {
    pub(super) fn goal(&mut self, goal: &GoalClause) -> Option<program::Goal> {
        let event = self.event(&goal.event)?;
        let mut ok = true;
        if goal.within.seconds() <= 0 {
            self.report(
                Diagnostic::error(
                    Code::BadDuration,
                    goal.within.span,
                    format!(
                        "a goal window of {} can never be reached",
                        canonical::duration(&goal.within)
                    ),
                )
                .with_label("zero window")
                .with_help(format!(
                    "give the time the message has to work, e.g. `goal {} within 7 days`",
                    goal.event.name
                )),
            );
            ok = false;
        }
        let filter = match &goal.filter {
            Some(f) => {
                let props: Vec<String> = self
                    .schema
                    .events
                    .get(event as usize)
                    .map(|e| e.props.iter().map(|p| p.name.clone()).collect())
                    .unwrap_or_default();
                if let Some(d) = foreign_read(f, &goal.event.name, &props, 0) {
                    self.report(d);
                    return None;
                }
                let t = self.check_expr(f, &super::expr::Scope::for_event(event))?;
                if !self.expect_type(&t, &Type::Bool, f, "a goal's `where` must be a condition") {
                    return None;
                }
                Some(t.expr)
            }
            None => None,
        };
        ok.then(|| program::Goal {
            event,
            filter,
            within: goal.within.seconds().saturating_mul(MICROS_PER_SECOND),
            text: canonical::goal(goal),
        })
    }
}

/// The first part of a goal's condition that reads something other than the
/// event's properties and literals, as a diagnostic.
fn foreign_read(e: &Expr, event: &str, props: &[String], depth: usize) -> Option<Diagnostic> {
    let refuse = |what: String, label: &str| {
        Some(
            Diagnostic::error(
                Code::GoalCondition,
                e.span,
                format!("a goal's `where` can only read `{event}`'s properties, not {what}"),
            )
            .with_label(label.to_string())
            .with_help(format!(
                "compare the properties of `{event}` ({}) with literal values",
                if props.is_empty() {
                    String::from("it has none")
                } else {
                    props.join(", ")
                }
            )),
        )
    };
    if depth > MAX_DEPTH {
        return refuse(String::from("a condition this deep"), "too deeply nested");
    }
    match &e.kind {
        ExprKind::Path(parts) => {
            let first = parts.first()?;
            if props.contains(&first.name) {
                return None;
            }
            let names: Vec<&str> = props.iter().map(String::as_str).collect();
            Some(no_property(
                Code::GoalCondition,
                event,
                first,
                &names,
                "a goal's `where` reads only the event's properties",
                "string",
            ))
        }
        ExprKind::Str(_)
        | ExprKind::Int(..)
        | ExprKind::Number(..)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_) => None,
        ExprKind::Now
        | ExprKind::OlderThan(..)
        | ExprKind::Within(..)
        | ExprKind::InactiveFor(_) => refuse(
            String::from("the current time"),
            "depends on when the report runs",
        ),
        ExprKind::Never { .. }
        | ExprKind::AtLeast { .. }
        | ExprKind::Sent { .. }
        | ExprKind::Aggregate { .. } => refuse(
            String::from("other events or messages"),
            "reads the customer's history",
        ),
        // Operators, calls and `if`: what their operands read.
        _ => e
            .children()
            .into_iter()
            .find_map(|x| foreign_read(x, event, props, depth + 1)),
    }
}
