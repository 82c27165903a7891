//! Numbers, times and durations as linear forms `c₁·a₁ + c₂·a₂ + … + c`
//! over atoms (attributes, aggregates, anything the reasoning does not look
//! into). Times count from `now` (`now` is 0, `t older than D` is `t < -D`),
//! durations and times in microseconds, metrics are expanded to their
//! expressions. Every comparison then becomes `form OP 0`.

use std::collections::BTreeMap;

use super::Ctx;
use crate::check::expr::{key, strip};
use crate::program::Type;
use crate::syntax::ast::{AggregateKind, ArithOp, Builtin, Expr, ExprKind};
use crate::value::{Micros, MICROS_PER_SECOND};

/// How deep expressions, segments and metrics are followed.
pub(in crate::check) const MAX_DEPTH: usize = 32;

const MICROS_PER_HOUR: f64 = 3_600.0 * MICROS_PER_SECOND as f64;
const MICROS_PER_DAY: f64 = 24.0 * MICROS_PER_HOUR;

/// What a value is, as far as the reasoning cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::check) enum Kind {
    /// A whole number: strict bounds tighten (`x > 1` is `x >= 2`).
    Int,
    /// Any other number.
    Number,
    /// A duration, in microseconds.
    Duration,
    /// A time, in microseconds from `now`.
    Time,
}

/// What a count counts (an event, or a sent message) and its window
/// (`None`: all of history).
pub(in crate::check) type Family = (String, Option<Micros>);

/// What is known about an atom whatever the customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::check) struct Atom {
    /// Its kind, when known.
    pub kind: Option<Kind>,
    /// A least value and why (`count(…)` is never negative).
    pub at_least: Option<(f64, String)>,
    /// A greatest value and why (`min(x, 5)` is at most 5).
    pub at_most: Option<(f64, String)>,
    /// For counts of an event or of sent messages: what is counted and the
    /// window (`None`: all of history). A count in a window is at most the
    /// count in any window containing it.
    pub family: Option<Family>,
}

/// `Σ coefficient × atom + constant`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(in crate::check) struct Linear {
    /// Coefficients by atom key, with what is known of the atom.
    pub terms: BTreeMap<String, (f64, Atom)>,
    /// The constant part.
    pub constant: f64,
}

impl Linear {
    pub(in crate::check) fn constant(c: f64) -> Linear {
        Linear {
            terms: BTreeMap::new(),
            constant: c,
        }
    }

    pub(in crate::check) fn atom(key: String, atom: Atom) -> Linear {
        let mut terms = BTreeMap::new();
        terms.insert(key, (1.0, atom));
        Linear {
            terms,
            constant: 0.0,
        }
    }

    /// The constant, when there are no atoms.
    pub(in crate::check) fn as_constant(&self) -> Option<f64> {
        self.terms.is_empty().then_some(self.constant)
    }

    pub(in crate::check) fn scale(mut self, k: f64) -> Linear {
        self.constant *= k;
        for (c, _) in self.terms.values_mut() {
            *c *= k;
        }
        self.terms.retain(|_, (c, _)| *c != 0.0);
        self
    }

    pub(in crate::check) fn plus(mut self, other: Linear) -> Linear {
        self.constant += other.constant;
        for (k, (c, atom)) in other.terms {
            let entry = self.terms.entry(k).or_insert((0.0, atom));
            entry.0 += c;
        }
        self.terms.retain(|_, (c, _)| *c != 0.0);
        self
    }

    pub(in crate::check) fn minus(self, other: Linear) -> Linear {
        self.plus(other.scale(-1.0))
    }
}

/// A duration the way rules write it: `7 days`, `12 hours`, `90 minutes`.
pub(in crate::check) fn duration_text(micros: f64) -> String {
    let plural = |n: f64, unit: &str| {
        let n = crate::value::format_number(n);
        if n == "1" {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let abs = micros.abs();
    if abs >= MICROS_PER_DAY && (abs / MICROS_PER_DAY).fract() == 0.0 {
        plural(abs / MICROS_PER_DAY, "day")
    } else if abs >= MICROS_PER_HOUR && (abs / MICROS_PER_HOUR).fract() == 0.0 {
        plural(abs / MICROS_PER_HOUR, "hour")
    } else if (abs / 60e6).fract() == 0.0 {
        plural(abs / 60e6, "minute")
    } else {
        crate::value::format_duration(abs as Micros)
    }
}

/// The key of a count of events (`count(watched within 7 days)`), shared by
/// `count(E …)`, `E at least N times …` and `never E …`; `shown` writes the
/// key around the window's text (empty, or ` within 7 days`).
pub(in crate::check) fn count_atom(
    what: &str,
    window: Option<Micros>,
    shown: impl Fn(&str) -> String,
) -> Linear {
    let key = match window {
        Some(w) => shown(&format!(" within {}", duration_text(w as f64))),
        None => shown(""),
    };
    Linear::atom(
        key,
        Atom {
            kind: Some(Kind::Int),
            at_least: Some((0.0, String::from("a count is never negative"))),
            at_most: None,
            family: Some((what.to_string(), window)),
        },
    )
}

/// The count of an event's occurrences in a window.
pub(in crate::check) fn count_of(event: &str, window: Option<Micros>) -> Linear {
    count_atom(event, window, |w| format!("count({event}{w})"))
}

impl Ctx<'_> {
    /// A window's length when it is constant, in microseconds.
    pub(in crate::check) fn window(&self, d: &Expr) -> Option<Micros> {
        self.linear(d, 0)
            .as_constant()
            .filter(|w| *w > 0.0 && w.fract() == 0.0 && *w < i64::MAX as f64)
            .map(|w| w as Micros)
    }

    /// A count of `what` in a window (`None`: all of history): in the family
    /// of `what` when the window is constant, else a count of its own.
    pub(in crate::check) fn counted(
        &self,
        what: &str,
        window: Option<&Expr>,
        shown: impl Fn(&str) -> String,
    ) -> Linear {
        let Some(w) = window else {
            return count_atom(what, None, shown);
        };
        if let Some(m) = self.window(w) {
            return count_atom(what, Some(m), shown);
        }
        let mut form = count_atom(what, None, |_| shown(&format!(" within {}", key(w))));
        for (_, atom) in form.terms.values_mut() {
            atom.family = None;
        }
        form
    }

    /// The count of an event's occurrences in a window.
    pub(in crate::check) fn count_in(&self, event: &str, window: Option<&Expr>) -> Linear {
        self.counted(event, window, |w| format!("count({event}{w})"))
    }

    /// An expression as a linear form (an atom when it is not linear).
    pub(in crate::check) fn linear(&self, e: &Expr, depth: usize) -> Linear {
        let e = strip(e);
        if depth > MAX_DEPTH || !self.spend() {
            return self.opaque(e, depth);
        }
        match &e.kind {
            ExprKind::Int(i, _) => Linear::constant(*i as f64),
            ExprKind::Number(n, _) => Linear::constant(*n),
            ExprKind::Duration(d) => {
                Linear::constant(d.seconds() as f64 * MICROS_PER_SECOND as f64)
            }
            ExprKind::Now => Linear::constant(0.0),
            ExprKind::Neg(x) => self.linear(x, depth + 1).scale(-1.0),
            ExprKind::Arith(op, a, b) => {
                let (la, lb) = (self.linear(a, depth + 1), self.linear(b, depth + 1));
                match op {
                    ArithOp::Add => la.plus(lb),
                    ArithOp::Sub => la.minus(lb),
                    ArithOp::Mul => match (la.as_constant(), lb.as_constant()) {
                        (Some(k), _) => lb.scale(k),
                        (_, Some(k)) => la.scale(k),
                        _ => self.opaque(e, depth),
                    },
                    ArithOp::Div => match lb.as_constant() {
                        Some(k) if k != 0.0 => la.scale(1.0 / k),
                        _ => self.opaque(e, depth),
                    },
                }
            }
            ExprKind::Call { func, args, .. } => match (func, args.as_slice()) {
                (Builtin::Days, [d]) => self.linear(d, depth + 1).scale(1.0 / MICROS_PER_DAY),
                (Builtin::Hours, [d]) => self.linear(d, depth + 1).scale(1.0 / MICROS_PER_HOUR),
                _ => self.opaque(e, depth),
            },
            ExprKind::Path(parts) if parts.len() == 1 => {
                match parts
                    .first()
                    .and_then(|p| self.metrics.get(p.name.as_str()))
                {
                    Some(def) => self.linear(def, depth + 1),
                    None => self.opaque(e, depth),
                }
            }
            ExprKind::Aggregate {
                kind: AggregateKind::Count,
                event,
                filter: None,
                window,
                ..
            } => self.count_in(&event.name, window.as_deref()),
            _ => self.opaque(e, depth),
        }
    }

    /// An expression the reasoning does not look into: one atom, with its
    /// kind and natural bounds.
    fn opaque(&self, e: &Expr, depth: usize) -> Linear {
        let mut atom = Atom {
            kind: self.kind(e, depth),
            ..Atom::default()
        };
        match &e.kind {
            ExprKind::Aggregate {
                kind: AggregateKind::Count | AggregateKind::Distinct,
                ..
            } => atom.at_least = Some((0.0, String::from("a count is never negative"))),
            ExprKind::Call { func, args, .. } => match (func, args.as_slice()) {
                (Builtin::Len, _) => {
                    atom.at_least = Some((0.0, String::from("a length is never negative")))
                }
                (Builtin::Abs, _) => {
                    atom.at_least = Some((0.0, String::from("`abs` is never negative")))
                }
                (Builtin::LocalHour, _) => {
                    atom.at_least = Some((0.0, String::from("an hour is never negative")));
                    atom.at_most = Some((23.0, String::from("an hour is at most 23")));
                }
                (Builtin::LocalMinute, _) => {
                    atom.at_least = Some((0.0, String::from("a minute is never negative")));
                    atom.at_most = Some((59.0, String::from("a minute is at most 59")));
                }
                (Builtin::Max | Builtin::Min, [a, b]) => {
                    let bound = [a, b]
                        .iter()
                        .find_map(|x| self.linear(x, depth + 1).as_constant());
                    if let Some(c) = bound {
                        let why = format!(
                            "`{}` is at {} {}",
                            key(e),
                            if *func == Builtin::Max {
                                "least"
                            } else {
                                "most"
                            },
                            crate::value::format_number(c)
                        );
                        if *func == Builtin::Max {
                            atom.at_least = Some((c, why));
                        } else {
                            atom.at_most = Some((c, why));
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Linear::atom(key(e), atom)
    }

    /// The kind of a value, when it is a number, time or duration.
    pub(in crate::check) fn kind(&self, e: &Expr, depth: usize) -> Option<Kind> {
        let e = strip(e);
        if depth > MAX_DEPTH || !self.spend() {
            return None;
        }
        let of = |x: &Expr| self.kind(x, depth + 1);
        match &e.kind {
            ExprKind::Int(..) => Some(Kind::Int),
            ExprKind::Number(..) => Some(Kind::Number),
            ExprKind::Duration(_) => Some(Kind::Duration),
            ExprKind::Now => Some(Kind::Time),
            ExprKind::Neg(x) => of(x),
            ExprKind::Default(a, b)
            | ExprKind::If {
                then: a, other: b, ..
            } => match (of(a)?, of(b)?) {
                (x, y) if x == y => Some(x),
                (Kind::Int, Kind::Number) | (Kind::Number, Kind::Int) => Some(Kind::Number),
                _ => None,
            },
            ExprKind::Arith(op, a, b) => {
                let (ka, kb) = (of(a)?, of(b)?);
                use Kind::*;
                Some(match (op, ka, kb) {
                    (ArithOp::Sub, Time, Time) => Duration,
                    (_, Time, _) | (_, _, Time) => Time,
                    (ArithOp::Div, Duration, Duration) => Number,
                    (_, Duration, _) | (_, _, Duration) => Duration,
                    (ArithOp::Div, _, _) => Number,
                    (_, Int, Int) => Int,
                    _ => Number,
                })
            }
            ExprKind::Call { func, args, .. } => match func {
                Builtin::Len | Builtin::LocalHour | Builtin::LocalMinute => Some(Kind::Int),
                Builtin::Days | Builtin::Hours => Some(Kind::Number),
                Builtin::Abs | Builtin::Min | Builtin::Max => {
                    let kinds: Vec<Option<Kind>> = args.iter().map(of).collect();
                    match kinds.as_slice() {
                        [Some(k)] => Some(*k),
                        [Some(a), Some(b)] if a == b => Some(*a),
                        [Some(_), Some(_)] => Some(Kind::Number),
                        _ => None,
                    }
                }
                Builtin::Lower | Builtin::LocalWeekday => None,
            },
            ExprKind::Aggregate { kind, .. } => match kind {
                AggregateKind::Count | AggregateKind::Distinct => Some(Kind::Int),
                AggregateKind::Last | AggregateKind::First => Some(Kind::Time),
                _ => Some(Kind::Number),
            },
            ExprKind::Path(parts) => {
                if let Some(def) = parts
                    .first()
                    .filter(|_| parts.len() == 1)
                    .and_then(|p| self.metrics.get(p.name.as_str()))
                {
                    return self.kind(def, depth + 1);
                }
                match self.path_type(parts)?.required() {
                    Type::Int => Some(Kind::Int),
                    Type::Number => Some(Kind::Number),
                    Type::Time => Some(Kind::Time),
                    Type::Duration => Some(Kind::Duration),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
