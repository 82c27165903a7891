//! Arithmetic, negation, defaults (`??`) and the scalar built-ins.

use super::{key, string_literal, typed, Scope, Typed};
use crate::check::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Expr as PExpr, Type};
use crate::syntax::ast::{ArithOp, Builtin, Expr};

impl Checker {
    pub(super) fn default(&mut self, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let (ta, tb) = self.operands(a, b, scope, Checker::check_expr)?;
        if !ta.ty.is_optional() {
            self.report(
                Diagnostic::warning(
                    Code::NeedlessDefault,
                    b.span,
                    format!(
                        "`{}` is never missing, so this default is never used",
                        key(a)
                    ),
                )
                .with_label("never used")
                .with_help(format!("remove `?? {}`", key(b))),
            );
            return typed(ta.ty, ta.expr);
        }
        let inner = ta.ty.required().clone();
        let default_expr = match (&inner, string_literal(b)) {
            (Type::Enum(id), Some(_)) => PExpr::Const(self.enum_member(*id, b, a)?),
            _ => {
                let got = tb.ty.required();
                let fits = *got == inner || (inner == Type::Number && *got == Type::Int);
                if !fits {
                    let example = self.default_example(&inner, &key(a));
                    self.mismatch(
                        b,
                        format!(
                            "the default has the wrong type: `{}` is {}, the default is {}",
                            key(a),
                            self.schema.a_type(&inner),
                            self.schema.a_type(got)
                        ),
                        format!("this is {}", self.schema.a_type(got)),
                        format!(
                            "give {} default, e.g. `{} ?? {example}`",
                            self.schema.a_type(&inner),
                            key(a)
                        ),
                    );
                    return None;
                }
                tb.expr
            }
        };
        let ty = if tb.ty.is_optional() {
            Type::Optional(Box::new(inner))
        } else {
            inner
        };
        typed(
            ty,
            PExpr::Default(Box::new(ta.expr), Box::new(default_expr)),
        )
    }

    pub(super) fn arith(
        &mut self,
        op: ArithOp,
        a: &Expr,
        b: &Expr,
        scope: &Scope,
    ) -> Option<Typed> {
        let (ta, tb) = self.operands(a, b, scope, Checker::value)?;
        use Type::{Duration, Int, Number, Time};
        let result = match (op, &ta.ty, &tb.ty) {
            (ArithOp::Div, x, y) if x.is_numeric() && y.is_numeric() => Some(Number),
            (_, Int, Int) => Some(Int),
            (_, x, y) if x.is_numeric() && y.is_numeric() => Some(Number),
            (ArithOp::Add, Time, Duration)
            | (ArithOp::Add, Duration, Time)
            | (ArithOp::Sub, Time, Duration) => Some(Time),
            (ArithOp::Sub, Time, Time) => Some(Duration),
            (ArithOp::Add | ArithOp::Sub, Duration, Duration) => Some(Duration),
            (ArithOp::Mul, Duration, n) | (ArithOp::Mul, n, Duration) if n.is_numeric() => {
                Some(Duration)
            }
            (ArithOp::Div, Duration, n) if n.is_numeric() => Some(Duration),
            (ArithOp::Div, Duration, Duration) => Some(Number),
            _ => None,
        };
        if let Some(ty) = result {
            return typed(ty, PExpr::Arith(op, Box::new(ta.expr), Box::new(tb.expr)));
        }
        if let Some((side, _)) = [(a, &ta), (b, &tb)]
            .into_iter()
            .find(|(_, t)| t.ty == Type::Bool)
        {
            self.mismatch(
                side,
                String::from("a bool cannot be used as a number"),
                format!("`{}` is a bool", key(side)),
                format!(
                    "use it as a condition (`… and {}`), not in arithmetic",
                    key(side)
                ),
            );
            return None;
        }
        let verb = match op {
            ArithOp::Add => "add",
            ArithOp::Sub => "subtract",
            ArithOp::Mul => "multiply",
            ArithOp::Div => "divide",
        };
        let help = match (&ta.ty, &tb.ty) {
            (Time, Time) => "subtract times to get a duration (`now - signed_up_at`), or add a duration to a time (`signed_up_at + 7 days`)",
            (Time, _) | (_, Time) => "add or subtract a duration to move a time, e.g. `signed_up_at + 14 days`",
            _ => "arithmetic works on numbers, on times with durations, and on durations",
        };
        self.mismatch(
            b,
            format!(
                "cannot {verb} {} and {}",
                self.schema.a_type(&ta.ty),
                self.schema.a_type(&tb.ty)
            ),
            format!(
                "`{}` is {}, this is {}",
                key(a),
                self.schema.a_type(&ta.ty),
                self.schema.a_type(&tb.ty)
            ),
            help.to_string(),
        );
        None
    }

    /// `-x` for numbers and durations.
    pub(super) fn neg(&mut self, x: &Expr, scope: &Scope) -> Option<Typed> {
        let t = self.value(x, scope)?;
        if t.ty.is_numeric() || t.ty == Type::Duration {
            return typed(t.ty, PExpr::Neg(Box::new(t.expr)));
        }
        self.mismatch(
            x,
            format!("cannot negate {}", self.schema.a_type(&t.ty)),
            format!("this is {}", self.schema.a_type(&t.ty)),
            String::from("`-` applies to numbers and durations; for a condition use `not`"),
        );
        None
    }

    pub(super) fn call(
        &mut self,
        func: Builtin,
        args: &[Expr],
        e: &Expr,
        scope: &Scope,
    ) -> Option<Typed> {
        if args.len() != func.arity() {
            return None; // reported by the parser
        }
        if let (Builtin::LocalHour | Builtin::LocalMinute | Builtin::LocalWeekday, [arg]) =
            (func, args)
        {
            return self.local_time(func, arg, e, scope);
        }
        let mut typed_args = Vec::new();
        for a in args {
            typed_args.push(self.value(a, scope));
        }
        let typed_args: Vec<Typed> = typed_args.into_iter().collect::<Option<_>>()?;
        let tys: Vec<&Type> = typed_args.iter().map(|t| &t.ty).collect();
        let result = match (func, tys.as_slice()) {
            (Builtin::Lower, [Type::String]) => Some(Type::String),
            (Builtin::Len, [Type::List(_) | Type::String]) => Some(Type::Int),
            (Builtin::Min | Builtin::Max, [Type::Int, Type::Int]) => Some(Type::Int),
            (Builtin::Min | Builtin::Max, [x, y]) if x.is_numeric() && y.is_numeric() => {
                Some(Type::Number)
            }
            (Builtin::Min | Builtin::Max, [Type::Time, Type::Time]) => Some(Type::Time),
            (Builtin::Min | Builtin::Max, [Type::Duration, Type::Duration]) => Some(Type::Duration),
            (Builtin::Abs, [t]) if t.is_numeric() || **t == Type::Duration => Some((*t).clone()),
            (Builtin::Days | Builtin::Hours, [Type::Duration]) => Some(Type::Number),
            _ => None,
        };
        match result {
            Some(ty) => typed(
                ty,
                PExpr::Call(func, typed_args.into_iter().map(|t| t.expr).collect()),
            ),
            None => {
                let wants = func.function().takes;
                let found = tys
                    .iter()
                    .map(|t| self.schema.a_type(t))
                    .collect::<Vec<_>>()
                    .join(" and ");
                self.mismatch(
                    e,
                    format!("`{}` takes {wants}, found {found}", func.name()),
                    format!("{found} here"),
                    format!("pass {wants} to `{}`", func.name()),
                );
                None
            }
        }
    }
}
