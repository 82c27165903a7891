//! Operators and built-in functions on values: equality with int/number
//! widening, ordering, arithmetic with overflow checks, and the built-ins.

use super::{fault, EvalError, EvalResult};
use crate::program::{ArithOp, Builtin, CompareOp};
use crate::value::{Micros, Value, MICROS_PER_SECOND};

/// Equality with int/number widening.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Number(y)) | (Value::Number(y), Value::Int(x)) => (*x as f64) == *y,
        _ => a == b,
    }
}

pub(super) fn compare(op: CompareOp, a: &Value, b: &Value) -> Result<bool, EvalError> {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) | (Value::Duration(x), Value::Duration(y)) => {
            Some(x.cmp(y))
        }
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (x, y) if x.as_f64().is_some() && y.as_f64().is_some() => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y)),
        (Value::Bool(_), Value::Bool(_)) | (Value::Enum(..), Value::Enum(..)) => {
            return match op {
                CompareOp::Eq => Ok(a == b),
                CompareOp::Ne => Ok(a != b),
                _ => fault(EvalError::NoOrder),
            };
        }
        (Value::Missing, _) | (_, Value::Missing) => return fault(EvalError::MissingInComparison),
        _ => None,
    };
    let Some(o) = ordering else {
        return fault(EvalError::MixedComparison);
    };
    Ok(match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
    })
}

fn overflow() -> EvalError {
    EvalError::ArithmeticOverflow
}

pub(super) fn arith(op: ArithOp, a: &Value, b: &Value) -> EvalResult {
    use Value::{Duration, Int, Number, Time};
    Ok(match (op, a, b) {
        (ArithOp::Div, x, y) if x.as_f64().is_some() && y.as_f64().is_some() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            if y == 0.0 {
                return fault(EvalError::DivisionByZero);
            }
            Number(x / y)
        }
        (ArithOp::Add, Int(x), Int(y)) => Int(x.checked_add(*y).ok_or_else(overflow)?),
        (ArithOp::Sub, Int(x), Int(y)) => Int(x.checked_sub(*y).ok_or_else(overflow)?),
        (ArithOp::Mul, Int(x), Int(y)) => Int(x.checked_mul(*y).ok_or_else(overflow)?),
        (op, x, y) if x.as_f64().is_some() && y.as_f64().is_some() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            Number(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                _ => x * y,
            })
        }
        (ArithOp::Add, Time(t), Duration(d)) | (ArithOp::Add, Duration(d), Time(t)) => {
            Time(t.checked_add(*d).ok_or_else(overflow)?)
        }
        (ArithOp::Sub, Time(t), Duration(d)) => Time(t.checked_sub(*d).ok_or_else(overflow)?),
        (ArithOp::Sub, Time(x), Time(y)) => Duration(x.checked_sub(*y).ok_or_else(overflow)?),
        (ArithOp::Add, Duration(x), Duration(y)) => {
            Duration(x.checked_add(*y).ok_or_else(overflow)?)
        }
        (ArithOp::Sub, Duration(x), Duration(y)) => {
            Duration(x.checked_sub(*y).ok_or_else(overflow)?)
        }
        (ArithOp::Mul, Duration(d), n) | (ArithOp::Mul, n, Duration(d)) if n.as_f64().is_some() => {
            Duration(scale(*d, n.as_f64().unwrap_or(0.0))?)
        }
        (ArithOp::Div, Duration(x), Duration(y)) => {
            if *y == 0 {
                return fault(EvalError::DivisionByZero);
            }
            Number(*x as f64 / *y as f64)
        }
        (ArithOp::Div, Duration(d), n) if n.as_f64().is_some() => {
            let n = n.as_f64().unwrap_or(0.0);
            if n == 0.0 {
                return fault(EvalError::DivisionByZero);
            }
            Duration(scale(*d, 1.0 / n)?)
        }
        (_, Value::Missing, _) | (_, _, Value::Missing) => {
            return fault(EvalError::MissingInArithmetic)
        }
        _ => return fault(EvalError::ArithmeticTypes),
    })
}

fn scale(d: Micros, factor: f64) -> Result<Micros, EvalError> {
    let v = d as f64 * factor;
    if v.is_finite() && v.abs() < 9.0e18 {
        Ok(v.round() as Micros)
    } else {
        Err(overflow())
    }
}

pub(super) fn call(func: Builtin, args: &[Value]) -> EvalResult {
    Ok(match (func, args) {
        (Builtin::Lower, [Value::Str(s)]) => Value::Str(s.to_lowercase().into()),
        (Builtin::Len, [Value::List(l)]) => Value::Int(l.len() as i64),
        (Builtin::Len, [Value::Str(s)]) => Value::Int(s.chars().count() as i64),
        (Builtin::Min | Builtin::Max, [a, b]) => {
            let a_first = compare(CompareOp::Le, a, b)?;
            let pick_a = if func == Builtin::Min {
                a_first
            } else {
                !a_first
            };
            let v = if pick_a { a } else { b };
            match (a, b, v) {
                (Value::Int(_), Value::Int(_), v) => v.clone(),
                (_, _, v) => v.as_f64().map(Value::Number).unwrap_or_else(|| v.clone()),
            }
        }
        (Builtin::Abs, [Value::Int(i)]) => Value::Int(i.checked_abs().ok_or_else(overflow)?),
        (Builtin::Abs, [Value::Number(n)]) => Value::Number(n.abs()),
        (Builtin::Abs, [Value::Duration(d)]) => {
            Value::Duration(d.checked_abs().ok_or_else(overflow)?)
        }
        (Builtin::Days, [Value::Duration(d)]) => {
            Value::Number(*d as f64 / (86_400.0 * MICROS_PER_SECOND as f64))
        }
        (Builtin::Hours, [Value::Duration(d)]) => {
            Value::Number(*d as f64 / (3_600.0 * MICROS_PER_SECOND as f64))
        }
        _ => {
            return fault(EvalError::FunctionTypes {
                function: func.name(),
            })
        }
    })
}
