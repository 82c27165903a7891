//! Typing and compiling expressions: every form of LANGUAGE.md section 4,
//! int widening, enum literals, optional-safety with narrowing, and names
//! resolved to slots.

use super::{Checker, NameKind};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::{self, Expr as PExpr, Type};
use crate::syntax::ast::{
    AggregateKind, ArithOp, Builtin, CompareOp, DurationLit, Expr, ExprKind, Ident,
};
use crate::syntax::format;
use crate::value::{Value, MICROS_PER_SECOND};

/// What is known where an expression is checked: which optional
/// expressions are known present, and the event whose properties are in
/// scope inside a `where` condition.
#[derive(Debug, Clone, Default)]
pub(super) struct Scope {
    narrowed: Vec<String>,
    event: Option<u32>,
}

impl Scope {
    /// Inside a `where` over `event`: its properties are in scope by bare name.
    pub(super) fn for_event(event: u32) -> Scope {
        Scope {
            narrowed: Vec::new(),
            event: Some(event),
        }
    }

    /// After `A` in `A and B`: every `x is present` conjunct of `A` makes `x`
    /// known present in `B`.
    pub(super) fn narrow_present(&mut self, e: &Expr) {
        for c in strip(e).conjuncts() {
            match &strip(c).kind {
                ExprKind::IsPresent(x) => self.narrowed.push(key(x)),
                ExprKind::And(..) => self.narrow_present(strip(c)),
                _ => {}
            }
        }
    }

    /// After `A` in `A or B`: every `x is missing` disjunct of `A` makes `x`
    /// known present in `B`.
    pub(super) fn narrow_missing(&mut self, e: &Expr) {
        for d in strip(e).disjuncts() {
            match &strip(d).kind {
                ExprKind::IsMissing(x) => self.narrowed.push(key(x)),
                ExprKind::Or(..) => self.narrow_missing(strip(d)),
                _ => {}
            }
        }
    }

    fn knows_present(&self, e: &Expr) -> bool {
        !self.narrowed.is_empty() && self.narrowed.contains(&key(e))
    }
}

fn strip(mut e: &Expr) -> &Expr {
    while let ExprKind::Paren(inner) = &e.kind {
        e = inner;
    }
    e
}

/// The canonical text of an expression: what narrowing matches on.
fn key(e: &Expr) -> String {
    format::expr(strip(e))
}

fn micros(d: &DurationLit) -> i64 {
    d.seconds().saturating_mul(MICROS_PER_SECOND)
}

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
    fn value(&mut self, e: &Expr, scope: &Scope) -> Option<Typed> {
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
    fn default_example(&self, ty: &Type, key: &str) -> String {
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

    fn mismatch(&mut self, span_expr: &Expr, message: String, label: String, help: String) {
        self.report(
            Diagnostic::error(Code::TypeMismatch, span_expr.span, message)
                .with_label(label)
                .with_help(help),
        );
    }

    /// A string literal as a member of an enum.
    fn enum_member(&mut self, enum_id: u32, lit: &Expr, other: &Expr) -> Option<Value> {
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

    fn check_kind(&mut self, e: &Expr, scope: &Scope) -> Option<Typed> {
        match &e.kind {
            ExprKind::Paren(x) => self.check_expr(x, scope),
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
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
            ExprKind::OlderThan(a, b) | ExprKind::Within(a, b) => {
                let word = if matches!(e.kind, ExprKind::OlderThan(..)) {
                    "older than"
                } else {
                    "within"
                };
                let ta = self.value(a, scope);
                let tb = self.value(b, scope);
                let (ta, tb) = (ta?, tb?);
                let mut ok = true;
                if ta.ty != Type::Time {
                    self.mismatch(
                        a,
                        format!("`{word}` needs a time on the left, found {}", self.schema.a_type(&ta.ty)),
                        format!("this is {}", self.schema.a_type(&ta.ty)),
                        format!("`{word}` measures how long ago a time was, e.g. `signed_up_at {word} 7 days`"),
                    );
                    ok = false;
                }
                if tb.ty != Type::Duration {
                    self.mismatch(
                        b,
                        format!(
                            "`{word}` needs a duration on the right, found {}",
                            self.schema.a_type(&tb.ty)
                        ),
                        format!("this is {}", self.schema.a_type(&tb.ty)),
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
            ExprKind::InactiveFor(d) => {
                if !self.activity_declared {
                    self.report(
                        Diagnostic::error(Code::NoActivity, e.span, "`inactive for` needs the policy's `activity`")
                            .with_label("no `activity` in the policy")
                            .with_help("say which time counts as activity, e.g. `policy { activity last_seen_at ?? signed_up_at }`"),
                    );
                    return None;
                }
                typed(Type::Bool, PExpr::Inactive(micros(d)))
            }
            ExprKind::Never { event, window } => {
                let ev = self.event(event)?;
                typed(
                    Type::Bool,
                    PExpr::Not(Box::new(PExpr::AtLeast {
                        event: ev,
                        count: 1,
                        window: window.as_ref().map(micros),
                    })),
                )
            }
            ExprKind::AtLeast {
                event,
                count,
                count_span,
                window,
                ..
            } => {
                let ev = self.event(event)?;
                if *count < 1 {
                    self.report(
                        Diagnostic::error(
                            Code::BadCount,
                            *count_span,
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
                        count: *count,
                        window: window.as_ref().map(micros),
                    },
                )
            }
            ExprKind::Sent {
                message,
                window,
                negated,
            } => {
                let sent = PExpr::Sent {
                    message: message.value.clone(),
                    window: window.as_ref().map(micros),
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
            ExprKind::Neg(x) => {
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
                window.as_ref(),
                scope,
            ),
            ExprKind::Path(parts) => self.path(parts, scope),
            ExprKind::Str(s) => typed(Type::String, PExpr::Const(Value::Str(s.as_str().into()))),
            ExprKind::Int(i, _) => typed(Type::Int, PExpr::Const(Value::Int(*i))),
            ExprKind::Number(n, _) => typed(Type::Number, PExpr::Const(Value::Number(*n))),
            ExprKind::Bool(b) => typed(Type::Bool, PExpr::Const(Value::Bool(*b))),
            ExprKind::Duration(d) => {
                typed(Type::Duration, PExpr::Const(Value::Duration(micros(d))))
            }
            ExprKind::Now => typed(Type::Time, PExpr::Now),
        }
    }

    fn compare(&mut self, op: CompareOp, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let ta = self.check_expr(a, scope);
        let tb = self.check_expr(b, scope);
        let (ta, tb) = (ta?, tb?);
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

    fn enum_ordering_error(&mut self, op: CompareOp, e: &Expr) {
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
    fn fit_literal(&mut self, want: &Type, e: &Expr, other: &Expr) -> Option<Value> {
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

    fn membership(
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

    fn contains(&mut self, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let ta = self.value(a, scope)?;
        let Type::List(elem) = &ta.ty else {
            self.mismatch(
                a,
                format!(
                    "`contains` needs a list on the left, found {}",
                    self.schema.a_type(&ta.ty)
                ),
                format!("this is {}", self.schema.a_type(&ta.ty)),
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

    fn default(&mut self, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let ta = self.check_expr(a, scope);
        let tb = self.check_expr(b, scope);
        let (ta, tb) = (ta?, tb?);
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

    fn arith(&mut self, op: ArithOp, a: &Expr, b: &Expr, scope: &Scope) -> Option<Typed> {
        let ta = self.value(a, scope);
        let tb = self.value(b, scope);
        let (ta, tb) = (ta?, tb?);
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

    fn call(&mut self, func: Builtin, args: &[Expr], e: &Expr, scope: &Scope) -> Option<Typed> {
        if args.len() != func.arity() {
            return None; // reported by the parser
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
                let wants = match func {
                    Builtin::Lower => "a string",
                    Builtin::Len => "a list or a string",
                    Builtin::Min | Builtin::Max => "two numbers, two times or two durations",
                    Builtin::Abs => "a number or a duration",
                    Builtin::Days | Builtin::Hours => "a duration, e.g. `now - signed_up_at`",
                };
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

    pub(super) fn event(&mut self, ident: &Ident) -> Option<u32> {
        if let Some(i) = self.schema.event_index(&ident.name) {
            return Some(i as u32);
        }
        let mut d = Diagnostic::error(
            Code::UnknownEvent,
            ident.span,
            format!("unknown event `{}`", ident.name),
        )
        .with_label("not an event of the schema");
        let names: Vec<String> = self.schema.events.iter().map(|e| e.name.clone()).collect();
        d = match did_you_mean(&ident.name, names.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("declare it in the schema: `event {}`", ident.name)),
        };
        self.report(d);
        None
    }

    fn aggregate(
        &mut self,
        kind: AggregateKind,
        event: &Ident,
        property: Option<&Ident>,
        filter: Option<&Expr>,
        window: Option<&DurationLit>,
        scope: &Scope,
    ) -> Option<Typed> {
        let ev = self.event(event)?;
        let props = self.schema.events.get(ev as usize)?.props.clone();
        let prop = match property {
            Some(p) => match props.iter().position(|f| f.name == p.name) {
                Some(i) => Some((i as u32, props.get(i)?.ty.clone(), p)),
                None => {
                    let mut d = Diagnostic::error(
                        Code::UnknownProperty,
                        p.span,
                        format!("`{}` has no property `{}`", event.name, p.name),
                    )
                    .with_label("not a property of this event");
                    d = match did_you_mean(&p.name, props.iter().map(|f| f.name.as_str())) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None if props.is_empty() => d.with_help(format!(
                            "`{}` has no properties; declare them in the schema: `event {} {{ {}: number }}`",
                            event.name, event.name, p.name
                        )),
                        None => d.with_help(format!(
                            "the properties of `{}` are {}",
                            event.name,
                            props.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                        )),
                    };
                    self.report(d);
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
                window: window.map(micros),
            })),
        )
    }

    fn path(&mut self, parts: &[Ident], scope: &Scope) -> Option<Typed> {
        let first = parts.first()?;
        let rest = parts.get(1..).unwrap_or(&[]);
        if let Some(ev) = scope.event {
            let props = self
                .schema
                .events
                .get(ev as usize)
                .map(|e| e.props.clone())
                .unwrap_or_default();
            if let Some(i) = props.iter().position(|p| p.name == first.name) {
                let ty = props.get(i)?.ty.clone();
                let base = Typed {
                    ty,
                    expr: PExpr::Prop {
                        event: ev,
                        index: i as u32,
                    },
                };
                return self.fields(base, parts, 1, scope);
            }
        }
        if let Some(i) = self.schema.attribute_index(&first.name) {
            let ty = self.schema.attributes.get(i)?.ty.clone();
            let base = Typed {
                ty,
                expr: PExpr::Attr(i as u32),
            };
            return self.fields(base, parts, 1, scope);
        }
        if let Some((kind, _)) = self.names.get(&first.name).copied() {
            let (segment, index) = match kind {
                NameKind::Segment => (
                    true,
                    self.segments.iter().position(|d| d.name == first.name)?,
                ),
                NameKind::Metric => (
                    false,
                    self.metrics.iter().position(|d| d.name == first.name)?,
                ),
                NameKind::Rule | NameKind::Suppression => {
                    self.report(
                        Diagnostic::error(Code::NotAValue, first.span, format!("`{}` is a {}, not a value", first.name, kind.word()))
                            .with_label(format!("a {}", kind.word()))
                            .with_help("conditions can use attributes, events, segments and metrics; to ask whether a rule sent, use `sent \"message\"`"),
                    );
                    return None;
                }
            };
            if let Some(d) = self.def(segment, index) {
                d.uses += 1;
            }
            let ty = self.def_type(segment, index)?;
            if let Some(field) = rest.first() {
                self.report(
                    Diagnostic::error(
                        Code::NoFields,
                        field.span,
                        format!("{} `{}` has no fields", kind.word(), first.name),
                    )
                    .with_label("no such field")
                    .with_help(format!("use `{}` on its own", first.name)),
                );
                return None;
            }
            let expr = if segment {
                PExpr::Segment(index as u32)
            } else {
                PExpr::Metric(index as u32)
            };
            return typed(ty, expr);
        }
        if self.schema.event_index(&first.name).is_some() {
            self.report(
                Diagnostic::error(Code::EventAsValue, first.span, format!("`{}` is an event, not a value", first.name))
                    .with_label("an event")
                    .with_help(format!(
                        "test it with `{0} at least 1 time` or `never {0}`, or count it with `count({0})`",
                        first.name
                    )),
            );
            return None;
        }
        let mut candidates: Vec<String> = self
            .schema
            .attributes
            .iter()
            .map(|a| a.name.clone())
            .collect();
        candidates.extend(self.segments.iter().map(|d| d.name.clone()));
        candidates.extend(self.metrics.iter().map(|d| d.name.clone()));
        if let Some(ev) = scope.event.and_then(|e| self.schema.events.get(e as usize)) {
            candidates.extend(ev.props.iter().map(|p| p.name.clone()));
        }
        let mut d = Diagnostic::error(
            Code::UnknownName,
            first.span,
            format!("unknown name `{}`", first.name),
        )
        .with_label("not an attribute, segment or metric");
        d = match did_you_mean(&first.name, candidates.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "declare it in the schema (`{0}: string`) or define it (`segment {0} = …`)",
                first.name
            )),
        };
        self.report(d);
        None
    }

    /// Record field access: `company.industry`.
    fn fields(
        &mut self,
        mut base: Typed,
        parts: &[Ident],
        from: usize,
        scope: &Scope,
    ) -> Option<Typed> {
        for (i, field) in parts.iter().enumerate().skip(from) {
            let prefix = parts
                .get(..i)
                .unwrap_or(&[])
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let record = match &base.ty {
                Type::Record(id) => *id,
                Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                    if !scope.narrowed.contains(&prefix) {
                        let span = parts
                            .first()
                            .map(|p| p.span.to(field.span))
                            .unwrap_or(field.span);
                        let whole = Expr {
                            kind: ExprKind::Path(parts.get(..i).unwrap_or(&[]).to_vec()),
                            span,
                        };
                        self.optional_error(&whole, &base.ty);
                        return None;
                    }
                    match **inner {
                        Type::Record(id) => id,
                        _ => return None,
                    }
                }
                other => {
                    self.report(
                        Diagnostic::error(
                            Code::NoFields,
                            field.span,
                            format!(
                                "`{prefix}` is {} and has no fields",
                                self.schema.a_type(other)
                            ),
                        )
                        .with_label("no such field")
                        .with_help(format!("use `{prefix}` on its own")),
                    );
                    return None;
                }
            };
            let fields = self.schema.records.get(record as usize)?.clone();
            let Some(index) = fields.iter().position(|f| f.name == field.name) else {
                let mut d = Diagnostic::error(
                    Code::UnknownField,
                    field.span,
                    format!("`{prefix}` has no field `{}`", field.name),
                )
                .with_label("not a field of this record");
                d = match did_you_mean(&field.name, fields.iter().map(|f| f.name.as_str())) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "the fields of `{prefix}` are {}",
                        fields
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.report(d);
                return None;
            };
            let ty = fields.get(index)?.ty.clone();
            let full = parts
                .get(..=i)
                .unwrap_or(&[])
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let ty = match ty {
                Type::Optional(inner) if scope.narrowed.contains(&full) => *inner,
                t => t,
            };
            base = Typed {
                ty,
                expr: PExpr::Field {
                    base: Box::new(base.expr),
                    record,
                    index: index as u32,
                },
            };
        }
        Some(base)
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
