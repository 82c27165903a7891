//! The language's fixed vocabulary of operators, shared by the syntax tree,
//! the checked program and the evaluator: comparison and arithmetic
//! operators, aggregate kinds, scalar built-ins and duration units. It lives
//! here, below [`syntax`](crate::syntax), so that evaluation never imports
//! the syntax tree.

use super::builtins::{self, Function};

/// A comparison operator: `==`, `!=`, `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// An arithmetic operator: `+`, `-`, `*`, `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// Declares enums of built-in functions, each variant with its entry in
/// [`builtins::BUILTINS`], and their methods `function` and `name`.
macro_rules! functions {
    ($($(#[$meta:meta])* $name:ident { $($variant:ident => $entry:ident,)+ })+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(
                #[doc = concat!("[`", stringify!($entry), "`](builtins::", stringify!($entry), ")")]
                $variant,
            )+
        }

        impl $name {
            /// Its entry in the table of built-in functions.
            pub fn function(self) -> &'static Function {
                match self {
                    $($name::$variant => &builtins::$entry,)+
                }
            }

            /// The function's name, e.g. `count` or `lower`.
            pub fn name(self) -> &'static str {
                self.function().name
            }
        }
    )+};
}

functions! {
    /// Aggregates over event occurrences (see [`builtins::BUILTINS`]).
    AggregateKind {
        Count => COUNT, Sum => SUM, Min => MIN_OF, Max => MAX_OF,
        Avg => AVG, Distinct => DISTINCT, Last => LAST, First => FIRST,
    }
    /// The small fixed set of scalar built-ins (see [`builtins::BUILTINS`]).
    Builtin {
        Lower => LOWER, Len => LEN, Min => MIN, Max => MAX, Abs => ABS, Days => DAYS,
        Hours => HOURS, LocalHour => LOCAL_HOUR, LocalMinute => LOCAL_MINUTE,
        LocalWeekday => LOCAL_WEEKDAY,
    }
}

impl AggregateKind {
    /// Whether it reads an event property (`sum(E.p)`) rather than whole
    /// occurrences (`count(E)`).
    pub const fn needs_property(self) -> bool {
        !matches!(
            self,
            AggregateKind::Count | AggregateKind::Last | AggregateKind::First
        )
    }
}

impl Builtin {
    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        self.function().arity
    }
}

/// The units a duration can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `min`, `mins`, `minute`, `minutes`
    Minute,
    /// `h`, `hour`, `hours`
    Hour,
    /// `d`, `day`, `days`
    Day,
    /// `w`, `week`, `weeks`
    Week,
}

/// Every duration unit with the words it can be written as: the one table
/// read by the parser and by snapshot values such as `"7 days"`.
pub const DURATION_UNITS: [(DurationUnit, &[&str]); 4] = [
    (DurationUnit::Week, &["w", "week", "weeks"]),
    (DurationUnit::Day, &["d", "day", "days"]),
    (DurationUnit::Hour, &["h", "hour", "hours"]),
    (DurationUnit::Minute, &["min", "mins", "minute", "minutes"]),
];

impl DurationUnit {
    /// The unit a word names (`d`, `day`, `days`, ...), if any.
    pub fn from_word(word: &str) -> Option<DurationUnit> {
        DURATION_UNITS
            .iter()
            .find(|(_, words)| words.contains(&word))
            .map(|(unit, _)| *unit)
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Minute => 60,
            DurationUnit::Hour => 3_600,
            DurationUnit::Day => 86_400,
            DurationUnit::Week => 604_800,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_words() {
        assert_eq!(DurationUnit::from_word("days"), Some(DurationUnit::Day));
        assert_eq!(DurationUnit::from_word("min"), Some(DurationUnit::Minute));
        assert_eq!(DurationUnit::from_word("w"), Some(DurationUnit::Week));
        assert_eq!(DurationUnit::from_word("m"), None);
        assert_eq!(DurationUnit::from_word("months"), None);
        assert_eq!(
            DurationUnit::Week.seconds(),
            7 * DurationUnit::Day.seconds()
        );
    }

    #[test]
    fn operators_print_as_written() {
        assert_eq!(CompareOp::Le.symbol(), "<=");
        assert_eq!(ArithOp::Div.symbol(), "/");
        assert_eq!(AggregateKind::Distinct.name(), "distinct");
        assert_eq!(Builtin::Hours.name(), "hours");
        assert_eq!(Builtin::Max.arity(), 2);
        assert!(AggregateKind::Sum.needs_property());
        assert!(!AggregateKind::Last.needs_property());
    }
}
