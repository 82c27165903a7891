//! The version 1.1 expression forms (`docs/language.md#conditional-values`):
//! `if c then a else b`, duration expressions as window lengths (`within D`,
//! `inactive for D`, aggregate windows) and the customer's local time
//! (`local_hour`, `local_minute`, `local_weekday`).

use super::{key, string_literal, typed, Scope, Typed};
use crate::check::Checker;
use crate::program::{Builtin, Expr as PExpr, LocalPart, Type, Window, WEEKDAYS};
use crate::syntax::ast::Expr;
use crate::value::Value;

impl Checker {
    /// `if c then a else b`: `c` is a condition; its `is present` conjuncts
    /// narrow `a`, its `is missing` disjuncts narrow `b`; both branches have
    /// one type (int widens to number; optional if either is).
    pub(super) fn conditional(
        &mut self,
        cond: &Expr,
        then: &Expr,
        other: &Expr,
        scope: &Scope,
    ) -> Option<Typed> {
        let tc = self.check_expr(cond, scope);
        let mut then_scope = scope.clone();
        then_scope.narrow_present(cond);
        let mut else_scope = scope.clone();
        else_scope.narrow_missing(cond);
        let ta = self.check_expr(then, &then_scope);
        let tb = self.check_expr(other, &else_scope);
        let (tc, ta, tb) = (tc?, ta?, tb?);
        if !self.expect_type(
            &tc,
            &Type::Bool,
            cond,
            "the condition of `if` must be a bool",
        ) {
            return None;
        }
        let optional = ta.ty.is_optional() || tb.ty.is_optional();
        let (ra, rb) = (ta.ty.required().clone(), tb.ty.required().clone());
        let (ea, eb, ty, widen) = match (&ra, &rb) {
            (x, y) if x == y => (ta.expr, tb.expr, ra.clone(), false),
            (x, y) if x.is_numeric() && y.is_numeric() => (ta.expr, tb.expr, Type::Number, true),
            (Type::Enum(id), Type::String) if string_literal(other).is_some() => {
                let member = self.enum_member(*id, other, then)?;
                (ta.expr, PExpr::Const(member), ra.clone(), false)
            }
            (Type::String, Type::Enum(id)) if string_literal(then).is_some() => {
                let member = self.enum_member(*id, then, other)?;
                (PExpr::Const(member), tb.expr, rb.clone(), false)
            }
            _ => {
                let (na, nb) = (self.schema.a_type(&ra), self.schema.a_type(&rb));
                self.mismatch(
                    other,
                    format!("the branches of `if` have different types: {na} and {nb}"),
                    format!("`{}` is {na}, this is {nb}", key(then)),
                    String::from(
                        "give both branches the same type, e.g. `if … then 3 days else 14 days`",
                    ),
                );
                return None;
            }
        };
        let ty = if optional {
            Type::Optional(Box::new(ty))
        } else {
            ty
        };
        typed(
            ty,
            PExpr::If {
                branches: Box::new([tc.expr, ea, eb]),
                widen,
            },
        )
    }

    /// The length of a window or of `inactive for`: any duration expression.
    /// A literal is fixed when the ruleset is checked; anything else is
    /// computed per customer (and must come out longer than zero).
    pub(super) fn window_length(&mut self, w: &Expr, scope: &Scope, what: &str) -> Option<Window> {
        let t = self.value(w, scope)?;
        if t.ty != Type::Duration {
            let help = if t.ty.is_numeric() {
                format!("give it a unit: `{} * 1 day`", key(w))
            } else {
                String::from("write a duration such as `7 days`, or a metric of type duration")
            };
            self.needs(w, &t.ty, format!("`{what}` needs a duration"), help);
            return None;
        }
        Some(match t.expr {
            PExpr::Const(Value::Duration(d)) => Window::Fixed(d),
            e => Window::Computed(Box::new(e)),
        })
    }

    /// Optional windows (`never E [within D]`, aggregates): `Err(())` when
    /// the window is written but wrong.
    pub(super) fn optional_window(
        &mut self,
        w: Option<&Expr>,
        scope: &Scope,
    ) -> Result<Option<Window>, ()> {
        match w {
            Some(w) => self.window_length(w, scope, "within").map(Some).ok_or(()),
            None => Ok(None),
        }
    }

    /// `local_hour(t)`, `local_minute(t)`, `local_weekday(t)`.
    pub(super) fn local_time(
        &mut self,
        func: Builtin,
        arg: &Expr,
        e: &Expr,
        scope: &Scope,
    ) -> Option<Typed> {
        let t = self.value(arg, scope)?;
        if t.ty != Type::Time {
            let found = self.schema.a_type(&t.ty);
            self.mismatch(
                e,
                format!("`{}` takes a time, found {found}", func.name()),
                format!("{found} here"),
                format!("pass a time, e.g. `{}(now)`", func.name()),
            );
            return None;
        }
        let (part, ty) = match func {
            Builtin::LocalHour => (LocalPart::Hour, Type::Int),
            Builtin::LocalMinute => (LocalPart::Minute, Type::Int),
            _ => (LocalPart::Weekday, Type::Enum(self.weekday_enum())),
        };
        typed(ty, PExpr::Local(part, Box::new(t.expr)))
    }

    /// The enum of `local_weekday`, added to the schema's enums on first use.
    fn weekday_enum(&mut self) -> u32 {
        if let Some(id) = self.schema.weekday {
            return id;
        }
        let id = self.schema.enums.len() as u32;
        self.schema
            .enums
            .push(WEEKDAYS.iter().map(|d| d.to_string()).collect());
        self.schema.weekday = Some(id);
        id
    }
}
