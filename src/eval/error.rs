//! Runtime faults of evaluation as typed values. The rule a fault occurs
//! in gets outcome `error` and never sends; the fault's `Display` is the
//! text its decision record shows in `detail.error`.

use std::fmt;

use crate::diagnostic::Code;

/// A runtime fault while evaluating an expression for one customer.
///
/// The checker rules most of these out; those left are data-dependent
/// (division by zero, overflow, a value missing where the schema allowed it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A rule's condition gave something other than true or false.
    #[error("expected a condition, found {found}")]
    NotACondition {
        /// The value found, as records show values.
        found: String,
    },
    /// A missing value used as a condition.
    #[error("a missing value used as a condition")]
    MissingCondition,
    /// A value that is not a bool used as a condition.
    #[error("a value used as a condition")]
    ValueAsCondition,
    /// An event property read outside the aggregate over its event.
    #[error("an event property outside its aggregate")]
    PropertyOutsideAggregate,
    /// `contains` on a missing list.
    #[error("a missing list")]
    MissingList,
    /// `contains` on a value that is not a list.
    #[error("`contains` on a value that is not a list")]
    ContainsOnNonList,
    /// `inactive for` in a ruleset whose policy has no `activity`.
    #[error("`inactive for` without a policy `activity`")]
    NoActivity,
    /// A missing value negated.
    #[error("a missing value")]
    MissingValue,
    /// `-` on a value that is not a number.
    #[error("`-` on a value that is not a number")]
    NegateNonNumber,
    /// A missing value where a time is needed.
    #[error("a missing time")]
    MissingTime,
    /// A value that is not a time where a time is needed.
    #[error("expected a time")]
    ExpectedTime,
    /// A value that is not a duration where a duration is needed.
    #[error("expected a duration")]
    ExpectedDuration,
    /// A segment or metric that the program does not define.
    #[error("unknown definition")]
    UnknownDefinition,
    /// `<`, `>`, … on values that have no order.
    #[error("ordering on values without an order")]
    NoOrder,
    /// A missing value in a comparison.
    #[error("a missing value in a comparison")]
    MissingInComparison,
    /// Values of different types compared.
    #[error("values of different types compared")]
    MixedComparison,
    /// Negating the smallest integer.
    #[error("integer overflow")]
    IntegerOverflow,
    /// Arithmetic whose result does not fit.
    #[error("arithmetic overflow")]
    ArithmeticOverflow,
    /// Division (or remainder) by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// A missing value in arithmetic.
    #[error("a missing value in arithmetic")]
    MissingInArithmetic,
    /// Arithmetic on values of the wrong types.
    #[error("arithmetic on values of the wrong types")]
    ArithmeticTypes,
    /// A built-in function given values of the wrong types.
    #[error("`{function}` on values of the wrong types")]
    FunctionTypes {
        /// The function's name.
        function: &'static str,
    },
}

impl miette::Diagnostic for EvalError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(Code::Runtime))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match self {
            EvalError::DivisionByZero => {
                "make sure the divisor is never zero (guard it in the condition)"
            }
            EvalError::IntegerOverflow | EvalError::ArithmeticOverflow => {
                "keep the values in range, or compute with numbers instead of ints"
            }
            EvalError::NoActivity => "add `activity ATTRIBUTE` to the policy",
            EvalError::MissingCondition
            | EvalError::MissingValue
            | EvalError::MissingTime
            | EvalError::MissingList
            | EvalError::MissingInComparison
            | EvalError::MissingInArithmetic => {
                "guard the optional value (`x != missing and …`) or give a default (`x ?? 0`)"
            }
            _ => "this is a bug in nudge if the ruleset checks cleanly: please report it",
        };
        Some(Box::new(help))
    }
}

#[cfg(test)]
mod tests {
    use miette::Diagnostic as _;

    use super::*;
    use crate::decision::Outcome;
    use crate::Ruleset;

    #[test]
    fn a_runtime_fault_is_an_error_decision_with_the_fault_text() {
        let ruleset = Ruleset::from_sources([(
            "r.nudge",
            "schema { seats: int }\npolicy { channels email }\n\
             rule a { when 100 / seats > 10 send email \"a\" cooldown 1 day }",
        )])
        .unwrap();
        let customer = ruleset.read_customer(r#"{"id": "c", "seats": 0}"#).unwrap();
        let decisions = ruleset.evaluate(&customer, "2026-11-23T09:00:00Z".parse().unwrap());
        let decision = decisions.first().unwrap();
        assert_eq!(decision.outcome, Outcome::Error);
        assert_eq!(
            decision.detail.error.as_deref(),
            Some(EvalError::DivisionByZero.to_string().as_str())
        );
    }

    #[test]
    fn faults_have_the_runtime_code_and_a_help() {
        let fault = EvalError::FunctionTypes { function: "days" };
        assert_eq!(fault.to_string(), "`days` on values of the wrong types");
        assert_eq!(
            fault.code().map(|c| c.to_string()),
            Some(String::from("nudge::eval::runtime"))
        );
        assert!(EvalError::DivisionByZero.help().is_some());
    }
}
