//! Comparisons, list membership, `contains`, enum literals and the age
//! of a time (`older than`, `within`).

use super::{key, string_literal, strip, typed, Scope, Typed};
use crate::check::Checker;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::{Expr as PExpr, Type};
use crate::syntax::ast::{CompareOp, Expr, ExprKind};
use crate::value::Value;

impl Checker {
    pub(super) fn compare(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: &Scope,
    ) -> Option<Typed> {
        let (ta, tb) = self.operands(a, b, scope, Checker::check_expr)?;
        let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
        // An enum against one of its literals.
        let enum_case = [(a, b, &ta.ty, false), (b, a, &tb.ty, true)]
            .into_iter()
            .find_map(|(enum_side, lit_side, ty, flipped)| {
                match (ty.required(), string_literal(lit_side)) {
                    (Type::Enum(id), Some(_)) => {
                        Some((enum_side, lit_side, *id, ty.clone(), flipped))
                    }
                    _ => None,
                }
            });
        if let Some((enum_side, lit_side, id, ty, flipped)) = enum_case {
            if ty.is_optional() {
                self.optional_error(enum_side, &ty);
                return None;
            }
            let member = self.enum_member(id, lit_side, enum_side)?;
            if ordering {
                self.enum_ordering_error(op, enum_side);
                return None;
            }
            let (x, y) = if flipped {
                (PExpr::Const(member), tb.expr)
            } else {
                (ta.expr, PExpr::Const(member))
            };
            return typed(Type::Bool, PExpr::Compare(op, Box::new(x), Box::new(y)));
        }
        for (side, t) in [(a, &ta), (b, &tb)] {
            if t.ty.is_optional() {
                self.optional_error(side, &t.ty);
                return None;
            }
        }
        let ok = match (&ta.ty, &tb.ty) {
            (x, y) if x.is_numeric() && y.is_numeric() => true,
            (Type::String, Type::String)
            | (Type::Time, Type::Time)
            | (Type::Duration, Type::Duration) => true,
            (Type::Bool, Type::Bool) => {
                !ordering || {
                    self.mismatch(
                        a,
                        format!("`{}` does not order bools", op.symbol()),
                        String::from("a bool"),
                        String::from(
                            "compare bools with `==` or `!=`, or use the condition directly",
                        ),
                    );
                    return None;
                }
            }
            (Type::Enum(x), Type::Enum(y)) if x == y => {
                !ordering || {
                    self.enum_ordering_error(op, a);
                    return None;
                }
            }
            _ => false,
        };
        if !ok {
            let (na, nb) = (self.schema.a_type(&ta.ty), self.schema.a_type(&tb.ty));
            let help = match (&ta.ty, &tb.ty) {
                (Type::Time, y) | (y, Type::Time) if y.is_numeric() => String::from(
                    "compare a time with a time (`signed_up_at > now - 5 days`) or its age with a duration (`signed_up_at older than 5 days`)",
                ),
                (x, Type::String) if x.is_numeric() && string_literal(b).is_some() => format!(
                    "`{}` is a number: compare it with a number without quotes, e.g. `{} {} {}`",
                    key(a),
                    key(a),
                    op.symbol(),
                    string_literal(b).unwrap_or("0")
                ),
                (Type::Enum(_), _) | (_, Type::Enum(_)) => {
                    String::from("an enum compares only with its own literals, e.g. `plan == \"trial\"`")
                }
                _ => format!("both sides of `{}` must have the same type", op.symbol()),
            };
            self.mismatch(
                b,
                format!("cannot compare {na} with {nb}"),
                format!("`{}` is {na}, this is {nb}", key(a)),
                help,
            );
            return None;
        }
        typed(
            Type::Bool,
            PExpr::Compare(op, Box::new(ta.expr), Box::new(tb.expr)),
        )
    }

    pub(super) fn enum_ordering_error(&mut self, op: CompareOp, e: &Expr) {
        self.mismatch(
            e,
            format!("`{}` does not order enum values", op.symbol()),
            String::from("an enum"),
            format!(
                "compare with `==`, `!=` or `in [ … ]`, e.g. `{} in [\"pro\", \"enterprise\"]`",
                key(e)
            ),
        );
    }

    /// Whether a value of type `got` (with source `e`) fits where `want` is
    /// needed; enum literals become members.
    pub(super) fn fit_literal(&mut self, want: &Type, e: &Expr, other: &Expr) -> Option<Value> {
        if let Type::Enum(id) = want {
            if string_literal(e).is_some() {
                return self.enum_member(*id, e, other);
            }
        }
        let value = literal_value(e);
        let fits = match (&value, want) {
            (Some(Value::Int(_)), t) if t.is_numeric() => true,
            (Some(Value::Number(_)), Type::Number) => true,
            (Some(Value::Str(_)), Type::String) => true,
            (Some(Value::Bool(_)), Type::Bool) => true,
            _ => false,
        };
        if fits {
            return value;
        }
        let label = if value.is_some() {
            "wrong type"
        } else {
            "not a literal"
        };
        self.mismatch(
            e,
            format!(
                "this list item does not fit `{}`, which is {}",
                key(other),
                self.schema.a_type(want)
            ),
            label.to_string(),
            format!("list only literals of the same type as `{}`", key(other)),
        );
        None
    }

    pub(super) fn membership(
        &mut self,
        value: &Expr,
        list: &[Expr],
        negated: bool,
        scope: &Scope,
    ) -> Option<Typed> {
        let t = self.value(value, scope)?;
        if !matches!(
            t.ty,
            Type::String | Type::Int | Type::Number | Type::Bool | Type::Enum(_)
        ) {
            self.mismatch(
                value,
                format!(
                    "`in` tests strings, numbers and enums, not {}",
                    self.schema.a_type(&t.ty)
                ),
                format!("this is {}", self.schema.a_type(&t.ty)),
                String::from("for a list attribute use `list contains value`"),
            );
            return None;
        }
        let mut values = Vec::new();
        let mut ok = true;
        for item in list {
            match self.fit_literal(&t.ty, item, value) {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
        ok.then(|| Typed {
            ty: Type::Bool,
            expr: PExpr::InList {
                value: Box::new(t.expr),
                list: values,
                negated,
            },
        })
    }

    pub(super) fn contains(&mut self, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let ta = self.value(a, scope)?;
        let Type::List(elem) = &ta.ty else {
            self.needs(
                a,
                &ta.ty,
                String::from("`contains` needs a list on the left"),
                format!(
                    "to test `{}` against fixed values write `{} in [\"a\", \"b\"]`",
                    key(a),
                    key(a)
                ),
            );
            return None;
        };
        let elem = (**elem).clone();
        if let (Type::Enum(id), Some(_)) = (&elem, string_literal(b)) {
            let member = self.enum_member(*id, b, a)?;
            return typed(
                Type::Bool,
                PExpr::Contains(Box::new(ta.expr), Box::new(PExpr::Const(member))),
            );
        }
        let tb = self.value(b, scope)?;
        let fits = tb.ty == elem || (elem.is_numeric() && tb.ty.is_numeric());
        if !fits {
            self.mismatch(
                b,
                format!(
                    "`{}` holds {} items, not {}",
                    key(a),
                    self.schema.type_name(&elem),
                    self.schema.type_name(&tb.ty)
                ),
                format!("this is {}", self.schema.a_type(&tb.ty)),
                format!("look for {} in `{}`", self.schema.a_type(&elem), key(a)),
            );
            return None;
        }
        typed(
            Type::Bool,
            PExpr::Contains(Box::new(ta.expr), Box::new(tb.expr)),
        )
    }

    /// A string literal as a member of an enum.
    pub(super) fn enum_member(&mut self, enum_id: u32, lit: &Expr, other: &Expr) -> Option<Value> {
        let text = string_literal(lit)?;
        let members = self.schema.enums.get(enum_id as usize)?.clone();
        if let Some(i) = members.iter().position(|m| m == text) {
            return Some(Value::Enum(enum_id, i as u32));
        }
        let all = members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::error(
            Code::UnknownEnumValue,
            lit.span,
            format!("\"{text}\" is not a value of `{}`", key(other)),
        )
        .with_label(format!("`{}` is one of {all}", key(other)));
        d = match did_you_mean(text, members.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
            None => d.with_help(format!("use one of {all}, or add \"{text}\" to the schema")),
        };
        self.report(d);
        None
    }

    /// `t older than D`, `t within D`.
    pub(super) fn age(&mut self, e: &Expr, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let word = if matches!(e.kind, ExprKind::OlderThan(..)) {
            "older than"
        } else {
            "within"
        };
        let (ta, tb) = self.operands(a, b, scope, Checker::value)?;
        let mut ok = true;
        if ta.ty != Type::Time {
            self.needs(
                a,
                &ta.ty,
                format!("`{word}` needs a time on the left"),
                format!(
                    "`{word}` measures how long ago a time was, e.g. `signed_up_at {word} 7 days`"
                ),
            );
            ok = false;
        }
        if tb.ty != Type::Duration {
            self.needs(
                b,
                &tb.ty,
                format!("`{word}` needs a duration on the right"),
                String::from("write a duration such as `7 days`"),
            );
            ok = false;
        }
        let (x, y) = (Box::new(ta.expr), Box::new(tb.expr));
        ok.then(|| Typed {
            ty: Type::Bool,
            expr: if word == "within" {
                PExpr::Within(x, y)
            } else {
                PExpr::OlderThan(x, y)
            },
        })
    }
}

/// The value of a literal list item (`"a"`, `3`, `-2.5`, `true`).
fn literal_value(e: &Expr) -> Option<Value> {
    match &strip(e).kind {
        ExprKind::Str(s) => Some(Value::Str(s.as_str().into())),
        ExprKind::Int(i, _) => Some(Value::Int(*i)),
        ExprKind::Number(n, _) => Some(Value::Number(*n)),
        ExprKind::Bool(b) => Some(Value::Bool(*b)),
        ExprKind::Neg(x) => match literal_value(x)? {
            Value::Int(i) => Some(Value::Int(-i)),
            Value::Number(n) => Some(Value::Number(-n)),
            _ => None,
        },
        _ => None,
    }
}
