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

/// The entry of an aggregate `name` of type `result`: it takes one event
/// (`count(E)`) or one event property (`sum(E.p)`), as its kind needs, with
/// an optional `where` and `within`.
const fn aggregate_entry(
    kind: AggregateKind,
    name: &'static str,
    result: &'static str,
    doc: &'static str,
) -> Function {
    let (params, takes) = if kind.needs_property() {
        (
            "E.p [where c] [within D]",
            "a property of an event, optionally with `where` and `within`",
        )
    } else {
        (
            "E [where c] [within D]",
            "an event, optionally with `where` and `within`",
        )
    };
    Function {
        name,
        kind: FunctionKind::Aggregate(kind),
        arity: 1,
        params,
        result,
        takes,
        doc,
    }
}

/// Declares aggregate built-ins, one row each:
/// `CONST = AggregateKind, "name" -> "result", "doc";`.
macro_rules! aggregate_functions {
    ($($entry:ident = $kind:ident, $name:literal -> $result:literal, $doc:literal;)+) => {$(
        #[doc = concat!("`", $name, "`, an aggregate of type `", $result, "`: ", $doc, ".")]
        pub const $entry: Function =
            aggregate_entry(AggregateKind::$kind, $name, $result, $doc);
    )+};
}

/// Declares scalar built-ins, one row each:
/// `CONST = Builtin, "name", arity, "params" -> "result", takes "…", "doc";`.
macro_rules! scalar_functions {
    ($($entry:ident = $builtin:ident, $name:literal, $arity:literal,
       $params:literal -> $result:literal, takes $takes:expr, $doc:literal;)+) => {$(
        #[doc = concat!("`", $name, "(", $params, ") -> ", $result, "`: ", $doc, ".")]
        pub const $entry: Function = Function {
            name: $name,
            kind: FunctionKind::Scalar(Builtin::$builtin),
            arity: $arity,
            params: $params,
            result: $result,
            takes: $takes,
            doc: $doc,
        };
    )+};
}

aggregate_functions! {
    COUNT = Count, "count" -> "int", "number of occurrences of event E";
    SUM = Sum, "sum" -> "number", "total of a numeric property (0 when there is no occurrence)";
    MIN_OF = Min, "min" -> "number?", "smallest value of a numeric property (missing when none)";
    MAX_OF = Max, "max" -> "number?", "largest value of a numeric property (missing when none)";
    AVG = Avg, "avg" -> "number?", "mean value of a numeric property (missing when none)";
    DISTINCT = Distinct, "distinct" -> "int", "number of different values of a property";
    LAST = Last, "last" -> "time?", "time of the most recent occurrence (missing when none)";
    FIRST = First, "first" -> "time?", "time of the first occurrence (missing when none)";
}

const TWO_OF_A_KIND: &str = "two numbers, two times or two durations";
const DURATION_TAKES: &str = "a duration, e.g. `now - signed_up_at`";
const LOCAL_TAKES: &str = "a time, e.g. `now` or `last_seen_at`";

scalar_functions! {
    LOWER = Lower, "lower", 1, "s: string" -> "string", takes "a string", "the string in lower case";
    LEN = Len, "len", 1, "x: list or string" -> "int", takes "a list or a string", "number of items of a list, or of characters of a string";
    MIN = Min, "min", 2, "a: T, b: T" -> "T", takes TWO_OF_A_KIND, "the smaller of two numbers, times or durations (int if both are)";
    MAX = Max, "max", 2, "a: T, b: T" -> "T", takes TWO_OF_A_KIND, "the larger of two numbers, times or durations (int if both are)";
    ABS = Abs, "abs", 1, "x: int, number or duration" -> "same as x", takes "a number or a duration", "the absolute value";
    DAYS = Days, "days", 1, "d: duration" -> "number", takes DURATION_TAKES, "a duration in days, with fractions";
    HOURS = Hours, "hours", 1, "d: duration" -> "number", takes DURATION_TAKES, "a duration in hours, with fractions";
    LOCAL_HOUR = LocalHour, "local_hour", 1, "t: time" -> "int", takes LOCAL_TAKES, "the hour of `t` (0–23) in the customer's time zone";
    LOCAL_MINUTE = LocalMinute, "local_minute", 1, "t: time" -> "int", takes LOCAL_TAKES, "the minute of `t` (0–59) in the customer's time zone";
    LOCAL_WEEKDAY = LocalWeekday, "local_weekday", 1, "t: time" -> "\"mon\" … \"sun\"", takes LOCAL_TAKES, "the day of the week of `t` in the customer's time zone";
}

/// Every built-in function: the aggregates, then the scalar functions.
pub const BUILTINS: [Function; 18] = [
    COUNT,
    SUM,
    MIN_OF,
    MAX_OF,
    AVG,
    DISTINCT,
    LAST,
    FIRST,
    LOWER,
    LEN,
    MIN,
    MAX,
    ABS,
    DAYS,
    HOURS,
    LOCAL_HOUR,
    LOCAL_MINUTE,
    LOCAL_WEEKDAY,
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
            "count, sum, min, max, avg, distinct, last, first, lower, len, abs, days, hours, \
             local_hour, local_minute, local_weekday"
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
