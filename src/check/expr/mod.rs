//! Typing and compiling expressions: every form of the expression table
//! (`docs/language.md#expressions`), int widening, enum literals,
//! optional-safety with narrowing, and names resolved to slots. Each check
//! returns the type and the compiled [`program::Expr`] together.
//!
//! One file per family of forms: comparisons and membership
//! ([`compare`]), arithmetic, defaults and built-ins ([`arith`]), events
//! and aggregates ([`events`]), names and record paths ([`paths`]), and
//! narrowing ([`narrow`]).

mod arith;
mod compare;
mod conditional;
mod events;
mod narrow;
mod paths;

pub(super) use events::no_property;
pub(super) use narrow::Scope;
pub(super) use narrow::{key, strip};

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Expr as PExpr, Type};
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::Value;

fn string_literal(e: &Expr) -> Option<&str> {
    match &strip(e).kind {
        ExprKind::Str(s) => Some(s),
        _ => None,
    }
}

/// A checked expression: its type and its compiled form.
pub(super) struct Typed {
    pub ty: Type,
    pub expr: PExpr,
}

fn typed(ty: Type, expr: PExpr) -> Option<Typed> {
    Some(Typed { ty, expr })
}

impl Checker {
    /// An expression at the top of a definition or clause (nothing narrowed).
    pub(super) fn check_root(&mut self, e: &Expr) -> Option<Typed> {
        self.check_expr(e, &Scope::default())
    }

    /// A root expression that must be of type `want` (`message` says so
    /// when it is not).
    pub(in crate::check) fn root_of_type(
        &mut self,
        e: &Expr,
        want: &Type,
        message: &str,
    ) -> Option<PExpr> {
        let t = self.check_root(e)?;
        self.expect_type(&t, want, e, message).then_some(t.expr)
    }

    pub(super) fn check_expr(&mut self, e: &Expr, scope: &Scope) -> Option<Typed> {
        let mut t = self.check_kind(e, scope)?;
        if let Type::Optional(inner) = &t.ty {
            if scope.knows_present(e) {
                t.ty = (**inner).clone();
            }
        }
        Some(t)
    }

    /// A value that must be present (optional values need a guard or default).
    /// Both operands checked with `check` (each reports its own errors
    /// before either fails).
    pub(super) fn operands(
        &mut self,
        a: &Expr,
        b: &Expr,
        scope: &Scope,
        check: fn(&mut Checker, &Expr, &Scope) -> Option<Typed>,
    ) -> Option<(Typed, Typed)> {
        let ta = check(self, a, scope);
        let tb = check(self, b, scope);
        Some((ta?, tb?))
    }

    pub(super) fn value(&mut self, e: &Expr, scope: &Scope) -> Option<Typed> {
        let t = self.check_expr(e, scope)?;
        if t.ty.is_optional() {
            self.optional_error(e, &t.ty);
            return None;
        }
        Some(t)
    }

    pub(super) fn optional_error(&mut self, e: &Expr, ty: &Type) {
        let k = key(e);
        let default = self.default_example(ty.required(), &k);
        self.report(
            Diagnostic::error(Code::Optional, e.span, format!("`{k}` may be missing"))
                .with_label(format!("this is {}", self.schema.a_type(ty)))
                .with_help(format!(
                    "guard it (`{k} is present and …`) or give a default (`{k} ?? {default}`)"
                )),
        );
    }

    /// A plausible default of a type: a required attribute of that type, or a literal.
    pub(super) fn default_example(&self, ty: &Type, key: &str) -> String {
        if let Some(a) = self
            .schema
            .attributes
            .iter()
            .find(|a| a.ty == *ty && a.name != key)
        {
            return a.name.clone();
        }
        match ty {
            Type::String => "\"…\"".into(),
            Type::Int => "0".into(),
            Type::Number => "0.0".into(),
            Type::Bool => "false".into(),
            Type::Time => "now".into(),
            Type::Duration => "0 days".into(),
            Type::Enum(id) => self
                .schema
                .enums
                .get(*id as usize)
                .and_then(|m| m.first())
                .map(|m| format!("\"{m}\""))
                .unwrap_or_else(|| "\"…\"".into()),
            Type::List(_) => "[]".into(),
            _ => "…".into(),
        }
    }

    pub(super) fn expect_type(&mut self, t: &Typed, want: &Type, e: &Expr, message: &str) -> bool {
        if t.ty == *want {
            return true;
        }
        if t.ty.is_optional() && t.ty.required() == want {
            self.optional_error(e, &t.ty);
            return false;
        }
        let help = match want {
            Type::Bool => format!(
                "a condition compares or tests values, e.g. `{} > 0` or `{} is present`",
                key(e),
                key(e)
            ),
            Type::Time => String::from("give a time, e.g. `last_seen_at ?? signed_up_at`"),
            _ => format!("give {}", self.schema.a_type(want)),
        };
        self.report(
            Diagnostic::error(Code::TypeMismatch, e.span, message.to_string())
                .with_label(format!("this is {}", self.schema.a_type(&t.ty)))
                .with_help(help),
        );
        false
    }

    pub(super) fn mismatch(
        &mut self,
        span_expr: &Expr,
        message: String,
        label: String,
        help: String,
    ) {
        self.report(
            Diagnostic::error(Code::TypeMismatch, span_expr.span, message)
                .with_label(label)
                .with_help(help),
        );
    }

    /// A type mismatch where `e`, of type `found`, is not what `needs` (a
    /// sentence such as "`contains` needs a list on the left") asks for.
    pub(super) fn needs(&mut self, e: &Expr, found: &Type, needs: String, help: String) {
        let found = self.schema.a_type(found);
        self.mismatch(
            e,
            format!("{needs}, found {found}"),
            format!("this is {found}"),
            help,
        );
    }

    pub(super) fn check_kind(&mut self, e: &Expr, scope: &Scope) -> Option<Typed> {
        match &e.kind {
            ExprKind::Paren(x) => self.check_expr(x, scope),
            ExprKind::Or(a, b) | ExprKind::And(a, b) => self.logic(e, a, b, scope),
            ExprKind::Not(x) => {
                let t = self.check_expr(x, scope)?;
                self.expect_type(&t, &Type::Bool, x, "`not` negates a condition")
                    .then(|| Typed {
                        ty: Type::Bool,
                        expr: PExpr::Not(Box::new(t.expr)),
                    })
            }
            ExprKind::Compare(op, a, b) => self.compare(*op, a, b, scope),
            ExprKind::In {
                value,
                list,
                negated,
            } => self.membership(value, list, *negated, scope),
            ExprKind::Contains(a, b) => self.contains(a, b, scope),
            ExprKind::IsPresent(x) | ExprKind::IsMissing(x) => {
                let t = self.check_kind(x, scope)?;
                let inner = Box::new(t.expr);
                typed(
                    Type::Bool,
                    if matches!(e.kind, ExprKind::IsPresent(_)) {
                        PExpr::IsPresent(inner)
                    } else {
                        PExpr::IsMissing(inner)
                    },
                )
            }
            ExprKind::OlderThan(a, b) | ExprKind::Within(a, b) => self.age(e, a, b, scope),
            ExprKind::InactiveFor(d) => {
                if !self.activity_declared {
                    self.report(
                        Diagnostic::error(Code::NoActivity, e.span, "`inactive for` needs the policy's `activity`")
                            .with_label("no `activity` in the policy")
                            .with_help("say which time counts as activity, e.g. `policy { activity last_seen_at ?? signed_up_at }`"),
                    );
                    return None;
                }
                let w = self.window_length(d, scope, "inactive for")?;
                typed(Type::Bool, PExpr::Inactive(w))
            }
            ExprKind::Never { event, window } => {
                let ev = self.event(event);
                let window = self.optional_window(window.as_deref(), scope).ok()?;
                typed(
                    Type::Bool,
                    PExpr::Not(Box::new(PExpr::AtLeast {
                        event: ev?,
                        count: 1,
                        window,
                    })),
                )
            }
            ExprKind::AtLeast {
                event,
                count,
                count_span,
                window,
                ..
            } => self.at_least(event, *count, *count_span, window.as_deref(), scope),
            ExprKind::Sent {
                message,
                window,
                negated,
            } => {
                let sent = PExpr::Sent {
                    message: message.value.clone(),
                    window: self.optional_window(window.as_deref(), scope).ok()?,
                };
                typed(
                    Type::Bool,
                    if *negated {
                        PExpr::Not(Box::new(sent))
                    } else {
                        sent
                    },
                )
            }
            ExprKind::Default(a, b) => self.default(a, b, scope),
            ExprKind::Arith(op, a, b) => self.arith(*op, a, b, scope),
            ExprKind::Neg(x) => self.neg(x, scope),
            ExprKind::Call { func, args, .. } => self.call(*func, args, e, scope),
            ExprKind::Aggregate {
                kind,
                event,
                property,
                filter,
                window,
                ..
            } => self.aggregate(
                *kind,
                event,
                property.as_ref(),
                filter.as_deref(),
                window.as_deref(),
                scope,
            ),
            ExprKind::If { cond, then, other } => self.conditional(cond, then, other, scope),
            ExprKind::Path(parts) => self.path(parts, scope),
            ExprKind::Str(s) => typed(Type::String, PExpr::Const(Value::Str(s.as_str().into()))),
            ExprKind::Int(i, _) => typed(Type::Int, PExpr::Const(Value::Int(*i))),
            ExprKind::Number(n, _) => typed(Type::Number, PExpr::Const(Value::Number(*n))),
            ExprKind::Bool(b) => typed(Type::Bool, PExpr::Const(Value::Bool(*b))),
            ExprKind::Duration(d) => typed(
                Type::Duration,
                PExpr::Const(Value::Duration(
                    d.seconds().saturating_mul(crate::value::MICROS_PER_SECOND),
                )),
            ),
            ExprKind::Now => typed(Type::Time, PExpr::Now),
        }
    }

    /// `a and b`, `a or b`: `a` narrows the scope of `b`.
    pub(super) fn logic(&mut self, e: &Expr, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let is_or = matches!(e.kind, ExprKind::Or(..));
        let ta = self.check_expr(a, scope);
        let mut inner = scope.clone();
        if is_or {
            inner.narrow_missing(a);
        } else {
            inner.narrow_present(a);
        }
        let tb = self.check_expr(b, &inner);
        let (ta, tb) = (ta?, tb?);
        let word = if is_or { "or" } else { "and" };
        let msg = format!("`{word}` joins conditions");
        let ok_a = self.expect_type(&ta, &Type::Bool, a, &msg);
        let ok_b = self.expect_type(&tb, &Type::Bool, b, &msg);
        if !(ok_a && ok_b) {
            return None;
        }
        let (x, y) = (Box::new(ta.expr), Box::new(tb.expr));
        typed(
            Type::Bool,
            if is_or {
                PExpr::Or(x, y)
            } else {
                PExpr::And(x, y)
            },
        )
    }
}
