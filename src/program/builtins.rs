//! The one table of built-in functions: every function a rule can call, with
//! its arity, argument and result types and a one-line doc. The parser
//! resolves names with it, the checker words its type errors from it,
//! `docs/language.md` lists it (a test keeps the two equal) and the editor's
//! hover shows [`Function::signature`] and [`Function::doc`].
//!
//! `min` and `max` appear twice: with one event property they aggregate,
//! with two values they are scalar.

use super::ops::{AggregateKind, Builtin};

/// What a built-in is: a scalar function of its arguments or an aggregate
/// over the occurrences of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// A function of its arguments, e.g. `lower(s)`.
    Scalar(Builtin),
    /// An aggregate over event occurrences, e.g. `count(E)`.
    Aggregate(AggregateKind),
}

/// One built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// The name it is called by.
    pub name: &'static str,
    /// Scalar or aggregate.
    pub kind: FunctionKind,
    /// Number of arguments (aggregates take one event or event property).
    pub arity: usize,
    /// The parameters as the docs write them, e.g. `a: number, b: number`.
    pub params: &'static str,
    /// The result type, e.g. `number?`.
    pub result: &'static str,
    /// What the arguments must be, in words, for type errors: "a string".
    pub takes: &'static str,
    /// One line saying what it computes.
    pub doc: &'static str,
}

impl Function {
    /// The signature shown in docs and on hover: `lower(s: string) -> string`.
    pub fn signature(&self) -> String {
        format!("{}({}) -> {}", self.name, self.params, self.result)
    }

    /// Whether it is an aggregate over events.
    pub fn is_aggregate(&self) -> bool {
        matches!(self.kind, FunctionKind::Aggregate(_))
    }
}

const AGGREGATE_TAKES: &str = "an event, optionally with `where` and `within`";
const PROPERTY_TAKES: &str = "a property of an event, optionally with `where` and `within`";

/// `count(E)`
pub const COUNT: Function = Function {
    name: "count",
    kind: FunctionKind::Aggregate(AggregateKind::Count),
    arity: 1,
    params: "E [where c] [within D]",
    result: "int",
    takes: AGGREGATE_TAKES,
    doc: "number of occurrences of event E",
};
/// `sum(E.p)`
pub const SUM: Function = Function {
    name: "sum",
    kind: FunctionKind::Aggregate(AggregateKind::Sum),
    arity: 1,
    params: "E.p [where c] [within D]",
    result: "number",
    takes: PROPERTY_TAKES,
    doc: "total of a numeric property (0 when there is no occurrence)",
};
/// `min(E.p)`, the aggregate
pub const MIN_OF: Function = Function {
    name: "min",
    kind: FunctionKind::Aggregate(AggregateKind::Min),
    arity: 1,
    params: "E.p [where c] [within D]",
    result: "number?",
    takes: PROPERTY_TAKES,
    doc: "smallest value of a numeric property (missing when none)",
};
/// `max(E.p)`, the aggregate
pub const MAX_OF: Function = Function {
    name: "max",
    kind: FunctionKind::Aggregate(AggregateKind::Max),
    arity: 1,
    params: "E.p [where c] [within D]",
    result: "number?",
    takes: PROPERTY_TAKES,
    doc: "largest value of a numeric property (missing when none)",
};
/// `avg(E.p)`
pub const AVG: Function = Function {
    name: "avg",
    kind: FunctionKind::Aggregate(AggregateKind::Avg),
    arity: 1,
    params: "E.p [where c] [within D]",
    result: "number?",
    takes: PROPERTY_TAKES,
    doc: "mean value of a numeric property (missing when none)",
};
/// `distinct(E.p)`
pub const DISTINCT: Function = Function {
    name: "distinct",
    kind: FunctionKind::Aggregate(AggregateKind::Distinct),
    arity: 1,
    params: "E.p [where c] [within D]",
    result: "int",
    takes: PROPERTY_TAKES,
    doc: "number of different values of a property",
};
/// `last(E)`
pub const LAST: Function = Function {
    name: "last",
    kind: FunctionKind::Aggregate(AggregateKind::Last),
    arity: 1,
    params: "E [where c] [within D]",
    result: "time?",
    takes: AGGREGATE_TAKES,
    doc: "time of the most recent occurrence (missing when none)",
};
/// `first(E)`
pub const FIRST: Function = Function {
    name: "first",
    kind: FunctionKind::Aggregate(AggregateKind::First),
    arity: 1,
    params: "E [where c] [within D]",
    result: "time?",
    takes: AGGREGATE_TAKES,
    doc: "time of the first occurrence (missing when none)",
};
/// `lower(s)`
pub const LOWER: Function = Function {
    name: "lower",
    kind: FunctionKind::Scalar(Builtin::Lower),
    arity: 1,
    params: "s: string",
    result: "string",
    takes: "a string",
    doc: "the string in lower case",
};
/// `len(x)`
pub const LEN: Function = Function {
    name: "len",
    kind: FunctionKind::Scalar(Builtin::Len),
    arity: 1,
    params: "x: list or string",
    result: "int",
    takes: "a list or a string",
    doc: "number of items of a list, or of characters of a string",
};
/// `min(a, b)`, the scalar
pub const MIN: Function = Function {
    name: "min",
    kind: FunctionKind::Scalar(Builtin::Min),
    arity: 2,
    params: "a: T, b: T",
    result: "T",
    takes: "two numbers, two times or two durations",
    doc: "the smaller of two numbers, times or durations (int if both are)",
};
/// `max(a, b)`, the scalar
pub const MAX: Function = Function {
    name: "max",
    kind: FunctionKind::Scalar(Builtin::Max),
    arity: 2,
    params: "a: T, b: T",
    result: "T",
    takes: "two numbers, two times or two durations",
    doc: "the larger of two numbers, times or durations (int if both are)",
};
/// `abs(x)`
pub const ABS: Function = Function {
    name: "abs",
    kind: FunctionKind::Scalar(Builtin::Abs),
    arity: 1,
    params: "x: int, number or duration",
    result: "same as x",
    takes: "a number or a duration",
    doc: "the absolute value",
};
/// `days(d)`
pub const DAYS: Function = Function {
    name: "days",
    kind: FunctionKind::Scalar(Builtin::Days),
    arity: 1,
    params: "d: duration",
    result: "number",
    takes: "a duration, e.g. `now - signed_up_at`",
    doc: "a duration in days, with fractions",
};
/// `hours(d)`
pub const HOURS: Function = Function {
    name: "hours",
    kind: FunctionKind::Scalar(Builtin::Hours),
    arity: 1,
    params: "d: duration",
    result: "number",
    takes: "a duration, e.g. `now - signed_up_at`",
    doc: "a duration in hours, with fractions",
};

/// Every built-in function: the aggregates, then the scalar functions.
pub const BUILTINS: [Function; 15] = [
    COUNT, SUM, MIN_OF, MAX_OF, AVG, DISTINCT, LAST, FIRST, LOWER, LEN, MIN, MAX, ABS, DAYS, HOURS,
];

/// The aggregate called `name`, if any.
pub fn aggregate(name: &str) -> Option<AggregateKind> {
    BUILTINS.iter().find_map(|f| match f.kind {
        FunctionKind::Aggregate(kind) if f.name == name => Some(kind),
        _ => None,
    })
}

/// The scalar built-in called `name`, if any.
pub fn scalar(name: &str) -> Option<Builtin> {
    BUILTINS.iter().find_map(|f| match f.kind {
        FunctionKind::Scalar(b) if f.name == name => Some(b),
        _ => None,
    })
}

/// The distinct names, in table order (`min` and `max` once).
pub fn names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in &BUILTINS {
        if !out.contains(&f.name) {
            out.push(f.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_the_one_its_enum_names() {
        for f in &BUILTINS {
            let back = match f.kind {
                FunctionKind::Scalar(b) => b.function(),
                FunctionKind::Aggregate(a) => a.function(),
            };
            assert_eq!(back, f);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(aggregate("count"), Some(AggregateKind::Count));
        assert_eq!(aggregate("lower"), None);
        assert_eq!(scalar("max"), Some(Builtin::Max));
        assert_eq!(aggregate("max"), Some(AggregateKind::Max));
        assert_eq!(scalar("nope"), None);
        assert_eq!(
            names().join(", "),
            "count, sum, min, max, avg, distinct, last, first, lower, len, abs, days, hours"
        );
    }

    #[test]
    fn signatures() {
        assert_eq!(LOWER.signature(), "lower(s: string) -> string");
        assert_eq!(COUNT.signature(), "count(E [where c] [within D]) -> int");
    }

    /// docs/language.md lists every function with its signature and doc.
    #[test]
    fn the_language_reference_lists_the_table() {
        let docs = include_str!("../../docs/language.md");
        for f in &BUILTINS {
            let row = format!("| `{}` | {} |", f.signature(), f.doc);
            assert!(docs.contains(&row), "docs/language.md lacks the row {row}");
        }
    }
}
