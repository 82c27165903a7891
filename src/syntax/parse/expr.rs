//! Building expressions: precedence chains, predicates, atoms, calls of
//! built-in functions (resolved with [`builtins`]) and aggregates with their
//! trailing `within`.

use pest::iterators::{Pair, Pairs};

use super::{is_token, next, next_content, Builder, Conv, Stop};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::builtins;
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::grammar::Rule;

/// How deep `if`s may nest (each level is a frame of every recursive pass).
const MAX_IF_DEPTH: usize = 64;

impl Builder {
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                self.nesting += 1;
                let built = self.expr(next(&mut pair.into_inner(), "expr")?);
                self.nesting -= 1;
                let built = built?;
                if self.nesting == 0 && built.depth() > super::MAX_DEPTH {
                    self.diags.push(super::too_deep(built.span));
                    built.dismantle();
                    return Err(Stop::Reported);
                }
                Ok(built)
            }
            Rule::if_expr => {
                if self.if_depth >= MAX_IF_DEPTH {
                    self.diags.push(
                        Diagnostic::error(
                            Code::Syntax,
                            span,
                            format!("`if` nested more than {MAX_IF_DEPTH} deep"),
                        )
                        .with_label("too deeply nested")
                        .with_help("split the value into metrics, each with one `if`"),
                    );
                    return Ok(Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    });
                }
                self.if_depth += 1;
                let built = self.if_branches(pair.into_inner());
                self.if_depth -= 1;
                let (cond, then, other) = built?;
                Ok(Expr {
                    kind: ExprKind::If { cond, then, other },
                    span,
                })
            }
            Rule::or_expr | Rule::and_expr => {
                let is_or = pair.as_rule() == Rule::or_expr;
                let mut operands = pair.into_inner().filter(|p| !is_token(p.as_rule()));
                let mut acc = self.expr(operands.next().ok_or(Stop::Shape("operand"))?)?;
                for operand in operands {
                    let rhs = self.expr(operand)?;
                    let span = acc.span.to(rhs.span);
                    let kind = if is_or {
                        ExprKind::Or(Box::new(acc), Box::new(rhs))
                    } else {
                        ExprKind::And(Box::new(acc), Box::new(rhs))
                    };
                    acc = Expr { kind, span };
                }
                Ok(acc)
            }
            Rule::not_expr => self.expr(next(&mut pair.into_inner(), "not")?),
            Rule::not_op => {
                let operand = self.expr(next_content(&mut pair.into_inner(), "not operand")?)?;
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(operand)),
                    span,
                })
            }
            Rule::predicate => self.predicate(pair),
            Rule::default_expr | Rule::sum_expr | Rule::product => self.binary_chain(pair),
            Rule::unary => {
                let mut negations = Vec::new();
                let mut atom = None;
                for p in pair.into_inner() {
                    if p.as_rule() == Rule::neg_op {
                        negations.push(self.span(&p));
                    } else {
                        atom = Some(self.atom(p)?);
                    }
                }
                let mut acc = atom.ok_or(Stop::Shape("unary operand"))?;
                for neg in negations.into_iter().rev() {
                    let span = neg.to(acc.span);
                    acc = Expr {
                        kind: ExprKind::Neg(Box::new(acc)),
                        span,
                    };
                }
                Ok(acc)
            }
            _ => self.atom(pair),
        }
    }

    /// The condition and the two branches of `if c then a else b`.
    fn if_branches(&mut self, parts: Pairs<'_, Rule>) -> Conv<(Box<Expr>, Box<Expr>, Box<Expr>)> {
        let mut parts = parts.filter(|p| !is_token(p.as_rule()));
        let mut branch = |what| -> Conv<Box<Expr>> {
            Ok(Box::new(self.expr(parts.next().ok_or(Stop::Shape(what))?)?))
        };
        Ok((
            branch("if condition")?,
            branch("then branch")?,
            branch("else branch")?,
        ))
    }

    /// `a ?? b`, `a + b`, `a * b` chains, folded to the left.
    pub(super) fn binary_chain(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let mut parts = pair.into_inner();
        let mut acc = self.expr(next(&mut parts, "operand")?)?;
        while let Some(op) = parts.next() {
            let rhs = self.expr(next(&mut parts, "right operand")?)?;
            let span = acc.span.to(rhs.span);
            let (lhs, rhs) = (Box::new(acc), Box::new(rhs));
            let kind = match op.as_str() {
                "??" => ExprKind::Default(lhs, rhs),
                "+" => ExprKind::Arith(ArithOp::Add, lhs, rhs),
                "-" => ExprKind::Arith(ArithOp::Sub, lhs, rhs),
                "*" => ExprKind::Arith(ArithOp::Mul, lhs, rhs),
                "/" => ExprKind::Arith(ArithOp::Div, lhs, rhs),
                _ => return Err(Stop::Shape("binary operator")),
            };
            acc = Expr { kind, span };
        }
        Ok(acc)
    }

    pub(super) fn window(&mut self, pair: Option<Pair<'_, Rule>>) -> Conv<Option<Box<Expr>>> {
        match pair {
            Some(w) => {
                let d = next_content(&mut w.into_inner(), "window")?;
                Ok(Some(Box::new(self.expr(d)?)))
            }
            None => Ok(None),
        }
    }

    /// Takes `p` into `filter` or `window` when it is a `where` condition or
    /// a window (as after an aggregate's event or a goal's), and gives it
    /// back otherwise.
    pub(super) fn filter_or_window<'i>(
        &mut self,
        p: Pair<'i, Rule>,
        filter: &mut Option<Expr>,
        window: &mut Option<Box<Expr>>,
    ) -> Conv<Option<Pair<'i, Rule>>> {
        match p.as_rule() {
            Rule::where_cond => {
                let cond = next_content(&mut p.into_inner(), "where")?;
                *filter = Some(self.expr(cond)?);
            }
            Rule::window => *window = self.window(Some(p))?,
            _ => return Ok(Some(p)),
        }
        Ok(None)
    }

    pub(super) fn predicate(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let first = next(&mut parts, "predicate")?;
        let kind = match first.as_rule() {
            Rule::never_pred => {
                let mut inner = first.into_inner().filter(|p| !is_token(p.as_rule()));
                let target = inner.next().ok_or(Stop::Shape("never target"))?;
                let window = self.window(inner.next())?;
                if target.as_rule() == Rule::sent_target {
                    let msg = next_content(&mut target.into_inner(), "sent message")?;
                    ExprKind::Sent {
                        message: self.string(msg),
                        window,
                        negated: true,
                    }
                } else {
                    ExprKind::Never {
                        event: self.ident(target),
                        window,
                    }
                }
            }
            Rule::sent_pred => {
                let mut inner = first.into_inner().filter(|p| !is_token(p.as_rule()));
                let msg = inner.next().ok_or(Stop::Shape("sent message"))?;
                let message = self.string(msg);
                let window = self.window(inner.next())?;
                ExprKind::Sent {
                    message,
                    window,
                    negated: false,
                }
            }
            Rule::inactive_pred => {
                let d = next_content(&mut first.into_inner(), "inactive duration")?;
                ExprKind::InactiveFor(Box::new(self.expr(d)?))
            }
            Rule::at_least_pred => {
                let mut event = None;
                let mut count = None;
                let mut plural = true;
                let mut window = None;
                for p in first.into_inner() {
                    match p.as_rule() {
                        Rule::ident => event = Some(self.ident(p)),
                        Rule::int => count = Some((self.int(&p), self.span(&p))),
                        Rule::kw_times => plural = p.as_str().starts_with("times"),
                        Rule::window => window = self.window(Some(p))?,
                        _ => {}
                    }
                }
                let (Some(event), Some((count, count_span))) = (event, count) else {
                    return Err(Stop::Shape("at least"));
                };
                ExprKind::AtLeast {
                    event,
                    count,
                    count_span,
                    plural,
                    window,
                }
            }
            _ => {
                let lhs = self.expr(first)?;
                let Some(suffix) = parts.next() else {
                    return Ok(lhs);
                };
                let suffix_rule = suffix.as_rule();
                let suffix_text = suffix.as_str();
                let mut inner = suffix.into_inner().filter(|p| !is_token(p.as_rule()));
                let lhs = Box::new(lhs);
                match suffix_rule {
                    Rule::cmp_suffix => {
                        let op = inner.next().ok_or(Stop::Shape("comparison"))?;
                        let op = match op.as_str() {
                            "==" => CompareOp::Eq,
                            "!=" => CompareOp::Ne,
                            "<" => CompareOp::Lt,
                            "<=" => CompareOp::Le,
                            ">" => CompareOp::Gt,
                            _ => CompareOp::Ge,
                        };
                        let rhs = self.expr(inner.next().ok_or(Stop::Shape("comparison rhs"))?)?;
                        ExprKind::Compare(op, lhs, Box::new(rhs))
                    }
                    Rule::in_suffix | Rule::not_in_suffix => {
                        let list_pair = inner.next().ok_or(Stop::Shape("list"))?;
                        let mut list = Vec::new();
                        for item in list_pair.into_inner().filter(|p| !is_token(p.as_rule())) {
                            list.push(self.expr(item)?);
                        }
                        ExprKind::In {
                            value: lhs,
                            list,
                            negated: suffix_rule == Rule::not_in_suffix,
                        }
                    }
                    Rule::contains_suffix => {
                        let rhs = self.expr(inner.next().ok_or(Stop::Shape("contains"))?)?;
                        ExprKind::Contains(lhs, Box::new(rhs))
                    }
                    Rule::is_suffix => {
                        if suffix_text.ends_with("present") {
                            ExprKind::IsPresent(lhs)
                        } else {
                            ExprKind::IsMissing(lhs)
                        }
                    }
                    Rule::older_suffix => {
                        let rhs = self.expr(inner.next().ok_or(Stop::Shape("older than"))?)?;
                        ExprKind::OlderThan(lhs, Box::new(rhs))
                    }
                    Rule::within_suffix => {
                        let rhs = self.expr(inner.next().ok_or(Stop::Shape("within"))?)?;
                        ExprKind::Within(lhs, Box::new(rhs))
                    }
                    _ => return Err(Stop::Shape("predicate suffix")),
                }
            }
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn atom(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = self.expr(next_content(&mut pair.into_inner(), "parenthesised")?)?;
                ExprKind::Paren(Box::new(inner))
            }
            Rule::kw_now => ExprKind::Now,
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::duration => ExprKind::Duration(self.duration(pair)?),
            Rule::number => {
                let text = pair.as_str();
                if text.contains('.') {
                    let value = text.replace('_', "").parse::<f64>().unwrap_or(0.0);
                    ExprKind::Number(value, text.to_string())
                } else {
                    ExprKind::Int(self.int(&pair), text.to_string())
                }
            }
            Rule::string => ExprKind::Str(self.string(pair).value),
            Rule::path => ExprKind::Path(
                pair.into_inner()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(p))
                    .collect(),
            ),
            Rule::call => return self.call(pair),
            _ => return self.expr(pair),
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn call(&mut self, pair: Pair<'_, Rule>) -> Conv<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| !is_token(p.as_rule()));
        let func = self.ident(inner.next().ok_or(Stop::Shape("function name"))?);
        let mut args = Vec::new();
        let mut filter = None;
        let mut window = None;
        for p in inner {
            if let Some(arg) = self.filter_or_window(p, &mut filter, &mut window)? {
                args.push(self.expr(arg)?);
            }
        }
        let name = func.name.as_str();
        let scalar = builtins::scalar(name);
        if let Some(kind) = builtins::aggregate(name) {
            // `min`/`max` with one argument, a filter or a window aggregate.
            if scalar.is_none() || args.len() == 1 || filter.is_some() || window.is_some() {
                return self.aggregate(kind, func, args, filter, window, span);
            }
        }
        let Some(builtin) = scalar else {
            self.unknown_function(&func);
            return Ok(Expr {
                kind: ExprKind::Bool(false),
                span,
            });
        };
        if filter.is_some() || window.is_some() {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!("`{name}` does not take `where` or `within`"),
                )
                .with_label("only aggregates over events filter with `where` and `within`")
                .with_help("remove the `where`/`within` part"),
            );
        }
        if args.len() != builtin.arity() {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!(
                        "`{name}` takes {} argument{}, found {}",
                        builtin.arity(),
                        if builtin.arity() == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_label("wrong number of arguments")
                .with_help(match builtin {
                    Builtin::Min | Builtin::Max => {
                        format!("write `{name}(a, b)`, or `{name}(event.property)` over events")
                    }
                    _ => format!("write `{name}(x)`"),
                }),
            );
        }
        Ok(Expr {
            kind: ExprKind::Call {
                func: builtin,
                func_span: func.span,
                args,
            },
            span,
        })
    }

    pub(super) fn unknown_function(&mut self, func: &Ident) {
        let name = func.name.as_str();
        let names = builtins::names();
        let d = Diagnostic::unknown(Code::UnknownFunction, func.span, "function", name)
            .with_label("not a built-in function")
            .with_suggestion(
                name,
                names.iter().copied(),
                format!("the functions are {}", and_list(&names)),
            );
        self.diags.push(d);
    }

    pub(super) fn aggregate(
        &mut self,
        kind: AggregateKind,
        func: Ident,
        mut args: Vec<Expr>,
        filter: Option<Expr>,
        window: Option<Box<Expr>>,
        span: Span,
    ) -> Conv<Expr> {
        let needs_property = kind.needs_property();
        let example = if needs_property {
            format!("{}(watched.minutes within 30 days)", kind.name())
        } else {
            format!("{}(logged_in within 30 days)", kind.name())
        };
        let bad = |msg: String| {
            Diagnostic::error(Code::Aggregate, span, msg)
                .with_label("not an event aggregate")
                .with_help(format!("write it like `{example}`"))
        };
        if args.len() != 1 {
            self.diags.push(bad(format!(
                "`{}` takes one event{}, found {} arguments",
                kind.name(),
                if needs_property { " property" } else { "" },
                args.len()
            )));
            return Ok(Expr {
                kind: ExprKind::Bool(false),
                span,
            });
        }
        let arg = args.remove(0);
        // A trailing `within D` belongs to the aggregate, not to the condition.
        let (arg, filter, window) = match (filter, window) {
            (filter, Some(w)) => (arg, filter.map(Box::new), Some(w)),
            (Some(f), None) => {
                let (f, window) = lift_window(f);
                (arg, Some(Box::new(f)), window)
            }
            (None, None) => {
                let (arg, window) = lift_window(arg);
                (arg, None, window)
            }
        };
        let ExprKind::Path(mut path) = arg.kind else {
            self.diags.push(bad(format!(
                "`{}` aggregates over an event, not an expression",
                kind.name()
            )));
            return Ok(Expr {
                kind: ExprKind::Bool(false),
                span,
            });
        };
        let wrong_shape = bad(format!(
            "`{}` takes `event` or `event.property`",
            kind.name()
        ));
        let property = self.aggregate_property(kind, &mut path, arg.span, wrong_shape);
        let event = path.swap_remove(0);
        Ok(Expr {
            kind: ExprKind::Aggregate {
                kind,
                func_span: func.span,
                event,
                property,
                filter,
                window,
            },
            span,
        })
    }

    /// The property of `agg(E.p)`, or `None` for `agg(E)`; a wrong shape
    /// for the aggregate is reported (with `wrong_shape` when the path has
    /// more than two parts).
    fn aggregate_property(
        &mut self,
        kind: AggregateKind,
        path: &mut Vec<Ident>,
        arg_span: Span,
        wrong_shape: Diagnostic,
    ) -> Option<Ident> {
        match (path.len(), kind.needs_property()) {
            (1, false) => None,
            (2, true) => path.pop(),
            (1, true) => {
                let event = path.first().map(|p| p.name.as_str()).unwrap_or("");
                self.diags.push(
                    Diagnostic::error(
                        Code::Aggregate,
                        arg_span,
                        format!("`{}` needs a numeric property of `{event}`", kind.name()),
                    )
                    .with_label("an event, not one of its properties")
                    .with_help(format!(
                        "name the property, e.g. `{}({event}.minutes …)`; to count occurrences use `count({event})`",
                        kind.name()
                    )),
                );
                None
            }
            (2, false) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::Aggregate,
                        arg_span,
                        format!(
                            "`{}` works on whole occurrences, not on a property",
                            kind.name()
                        ),
                    )
                    .with_label("a property")
                    .with_help(format!(
                        "write `{}({})`",
                        kind.name(),
                        path.first().map(|p| p.name.as_str()).unwrap_or("")
                    )),
                );
                None
            }
            _ => {
                self.diags.push(wrong_shape);
                None
            }
        }
    }
}

/// Splits a trailing `within D` off an expression: `x within 7 days` gives
/// `(x, 7 days)`, `a and b within trial_days * 1 day` gives
/// `(a and b, trial_days * 1 day)`. Parenthesised expressions are left alone.
pub(super) fn lift_window(expr: Expr) -> (Expr, Option<Box<Expr>>) {
    let span = expr.span;
    match expr.kind {
        ExprKind::Within(inner, rhs) => (*inner, Some(rhs)),
        ExprKind::And(a, b) => {
            let (b, window) = lift_window(*b);
            let span = a.span.to(b.span);
            let kind = ExprKind::And(a, Box::new(b));
            (Expr { kind, span }, window)
        }
        ExprKind::Or(a, b) => {
            let (b, window) = lift_window(*b);
            let span = a.span.to(b.span);
            let kind = ExprKind::Or(a, Box::new(b));
            (Expr { kind, span }, window)
        }
        kind => (Expr { kind, span }, None),
    }
}

/// `a, b and c`.
fn and_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}
