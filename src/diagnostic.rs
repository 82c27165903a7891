//! Diagnostics: what went wrong in a rule file, where, and how to fix it.
//!
//! Every stage (parser, checker, test-file reader) reports [`Diagnostic`]
//! values; they become `miette` reports for people and JSON for machines.
//! Messages are lowercase with no final period and never name Rust types.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::source::{SourceSet, Span};

/// Whether a diagnostic stops the ruleset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The ruleset is refused.
    Error,
    /// The ruleset loads; something is probably not what was meant.
    Warning,
}

/// Every diagnostic code nudge reports: one catalogue, so that editors,
/// docs and tests can list them and no module matches on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// An aggregate is used wrongly (unknown function, missing window or property).
    Aggregate,
    /// A count that is not a positive whole number in range.
    BadCount,
    /// A duration that is malformed, zero or out of range.
    BadDuration,
    /// A `with` parameter that is not a plain value.
    BadParam,
    /// A percentage outside 0 to 100.
    BadPercentage,
    /// Segments or metrics that refer to themselves.
    Cycle,
    /// A division whose divisor may be zero.
    DivisionByZero,
    /// A clause written twice in one rule or policy.
    DuplicateClause,
    /// Two definitions with the same name.
    DuplicateName,
    /// More than one policy block.
    DuplicatePolicy,
    /// More than one schema block.
    DuplicateSchema,
    /// Two rules send the same message on the same channel.
    DuplicateSend,
    /// Quiet hours that start and end at the same time.
    EmptyQuietHours,
    /// A ruleset directory with no rule files.
    EmptyRuleset,
    /// An event name used where a value is expected.
    EventAsValue,
    /// A goal's `where` that reads more than the goal event's properties.
    GoalCondition,
    /// An internal error (a bug in nudge).
    Internal,
    /// A ruleset with errors.
    InvalidRuleset,
    /// A file that cannot be read.
    Io,
    /// A required clause is missing.
    MissingClause,
    /// `??` on a value that is never missing.
    NeedlessDefault,
    /// A rule, segment or suppression whose condition can never hold.
    NeverHolds,
    /// `inactive for` without an `activity` definition.
    NoActivity,
    /// A rule without a cooldown.
    NoCooldown,
    /// A cap per tag naming a tag no rule carries.
    CapNeverApplies,
    /// A rule sends on a personal channel that has no consent clause nor channel suppression.
    NoConsent,
    /// A schema with no attributes or events.
    NoFields,
    /// A ruleset without a schema.
    NoSchema,
    /// A name that does not denote a value.
    NotAValue,
    /// An optional value used without a guard or default.
    Optional,
    /// A name reserved by the language or the snapshot format.
    ReservedName,
    /// A runtime fault while evaluating a rule (division by zero, a missing value).
    Runtime,
    /// A customer snapshot that does not fit the schema.
    SnapshotProblem,
    /// Input that is not a customer at all (bad syntax, no `id`).
    SnapshotRejected,
    /// A suppression whose condition can never hold.
    SuppressionNeverApplies,
    /// The text does not follow the grammar.
    Syntax,
    /// A test time that is not an RFC 3339 instant.
    TestBadTime,
    /// A test case that expects two outcomes at once.
    TestConflictingExpectation,
    /// Two test cases with the same name.
    TestDuplicateCase,
    /// A test customer that does not fit the schema.
    TestInvalidCustomer,
    /// A test case missing a required key.
    TestMissingKey,
    /// A test case without an evaluation instant.
    TestMissingNow,
    /// A test customer with an attribute the schema lacks.
    TestUnknownAttribute,
    /// A test expectation naming an unknown channel.
    TestUnknownChannel,
    /// A test customer with an event the schema lacks.
    TestUnknownEvent,
    /// An unknown key in a test file.
    TestUnknownKey,
    /// A test expectation naming an unknown rule.
    TestUnknownRule,
    /// A test expectation naming an unknown suppression.
    TestUnknownSuppression,
    /// A test file value of the wrong type.
    TestWrongType,
    /// A test file that is not valid YAML.
    TestYaml,
    /// An expression of the wrong type.
    TypeMismatch,
    /// A channel not declared in the policy.
    UnknownChannel,
    /// A `deliver at … on DAY` naming no weekday.
    UnknownWeekday,
    /// A string that is not one of the enum's values.
    UnknownEnumValue,
    /// An event not declared in the schema.
    UnknownEvent,
    /// A field not declared in the record type.
    UnknownField,
    /// A function that does not exist.
    UnknownFunction,
    /// A name that is not defined.
    UnknownName,
    /// An event property not declared in the schema.
    UnknownProperty,
    /// A type that does not exist.
    UnknownType,
    /// A time zone that is not a known IANA zone.
    UnknownZone,
    /// A segment or metric that nothing uses.
    Unused,
    /// Variant percentages that do not add up to 100.
    VariantTotal,
}

impl Code {
    /// Every code, in catalogue order.
    pub const ALL: &'static [Code] = &[
        Code::Aggregate,
        Code::BadCount,
        Code::BadDuration,
        Code::BadParam,
        Code::BadPercentage,
        Code::Cycle,
        Code::DivisionByZero,
        Code::DuplicateClause,
        Code::DuplicateName,
        Code::DuplicatePolicy,
        Code::DuplicateSchema,
        Code::DuplicateSend,
        Code::EmptyQuietHours,
        Code::EmptyRuleset,
        Code::EventAsValue,
        Code::GoalCondition,
        Code::Internal,
        Code::InvalidRuleset,
        Code::Io,
        Code::MissingClause,
        Code::NeedlessDefault,
        Code::NeverHolds,
        Code::NoActivity,
        Code::NoCooldown,
        Code::NoConsent,
        Code::CapNeverApplies,
        Code::NoFields,
        Code::NoSchema,
        Code::NotAValue,
        Code::Optional,
        Code::ReservedName,
        Code::Runtime,
        Code::SnapshotProblem,
        Code::SnapshotRejected,
        Code::SuppressionNeverApplies,
        Code::Syntax,
        Code::TestBadTime,
        Code::TestConflictingExpectation,
        Code::TestDuplicateCase,
        Code::TestInvalidCustomer,
        Code::TestMissingKey,
        Code::TestMissingNow,
        Code::TestUnknownAttribute,
        Code::TestUnknownChannel,
        Code::TestUnknownEvent,
        Code::TestUnknownKey,
        Code::TestUnknownRule,
        Code::TestUnknownSuppression,
        Code::TestWrongType,
        Code::TestYaml,
        Code::TypeMismatch,
        Code::UnknownChannel,
        Code::UnknownWeekday,
        Code::UnknownEnumValue,
        Code::UnknownEvent,
        Code::UnknownField,
        Code::UnknownFunction,
        Code::UnknownName,
        Code::UnknownProperty,
        Code::UnknownType,
        Code::UnknownZone,
        Code::Unused,
        Code::VariantTotal,
    ];

    /// The stable identifier, such as `nudge::unknown_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Aggregate => "nudge::aggregate",
            Code::BadCount => "nudge::bad_count",
            Code::BadDuration => "nudge::bad_duration",
            Code::BadParam => "nudge::bad_param",
            Code::BadPercentage => "nudge::bad_percentage",
            Code::Cycle => "nudge::cycle",
            Code::DivisionByZero => "nudge::division_by_zero",
            Code::DuplicateClause => "nudge::duplicate_clause",
            Code::DuplicateName => "nudge::duplicate_name",
            Code::DuplicatePolicy => "nudge::duplicate_policy",
            Code::DuplicateSchema => "nudge::duplicate_schema",
            Code::DuplicateSend => "nudge::duplicate_send",
            Code::EmptyQuietHours => "nudge::empty_quiet_hours",
            Code::EmptyRuleset => "nudge::empty_ruleset",
            Code::EventAsValue => "nudge::event_as_value",
            Code::GoalCondition => "nudge::goal_condition",
            Code::Internal => "nudge::internal",
            Code::InvalidRuleset => "nudge::invalid_ruleset",
            Code::Io => "nudge::io",
            Code::MissingClause => "nudge::missing_clause",
            Code::NeedlessDefault => "nudge::needless_default",
            Code::NeverHolds => "nudge::never_holds",
            Code::NoActivity => "nudge::no_activity",
            Code::NoCooldown => "nudge::no_cooldown",
            Code::NoConsent => "nudge::no_consent",
            Code::CapNeverApplies => "nudge::cap_never_applies",
            Code::NoFields => "nudge::no_fields",
            Code::NoSchema => "nudge::no_schema",
            Code::NotAValue => "nudge::not_a_value",
            Code::Optional => "nudge::optional",
            Code::ReservedName => "nudge::reserved_name",
            Code::Runtime => "nudge::eval::runtime",
            Code::SnapshotProblem => "nudge::snapshot::problem",
            Code::SnapshotRejected => "nudge::snapshot::rejected",
            Code::SuppressionNeverApplies => "nudge::suppression_never_applies",
            Code::Syntax => "nudge::syntax",
            Code::TestBadTime => "nudge::test::bad_time",
            Code::TestConflictingExpectation => "nudge::test::conflicting_expectation",
            Code::TestDuplicateCase => "nudge::test::duplicate_case",
            Code::TestInvalidCustomer => "nudge::test::invalid_customer",
            Code::TestMissingKey => "nudge::test::missing_key",
            Code::TestMissingNow => "nudge::test::missing_now",
            Code::TestUnknownAttribute => "nudge::test::unknown_attribute",
            Code::TestUnknownChannel => "nudge::test::unknown_channel",
            Code::TestUnknownEvent => "nudge::test::unknown_event",
            Code::TestUnknownKey => "nudge::test::unknown_key",
            Code::TestUnknownRule => "nudge::test::unknown_rule",
            Code::TestUnknownSuppression => "nudge::test::unknown_suppression",
            Code::TestWrongType => "nudge::test::wrong_type",
            Code::TestYaml => "nudge::test::yaml",
            Code::TypeMismatch => "nudge::type_mismatch",
            Code::UnknownChannel => "nudge::unknown_channel",
            Code::UnknownWeekday => "nudge::unknown_weekday",
            Code::UnknownEnumValue => "nudge::unknown_enum_value",
            Code::UnknownEvent => "nudge::unknown_event",
            Code::UnknownField => "nudge::unknown_field",
            Code::UnknownFunction => "nudge::unknown_function",
            Code::UnknownName => "nudge::unknown_name",
            Code::UnknownProperty => "nudge::unknown_property",
            Code::UnknownType => "nudge::unknown_type",
            Code::UnknownZone => "nudge::unknown_zone",
            Code::Unused => "nudge::unused",
            Code::VariantTotal => "nudge::variant_total",
        }
    }

    /// The severity this code is reported with.
    pub fn severity(self) -> Severity {
        match self {
            Code::DivisionByZero
            | Code::DuplicateSend
            | Code::NeedlessDefault
            | Code::NeverHolds
            | Code::NoCooldown
            | Code::NoConsent
            | Code::CapNeverApplies
            | Code::SuppressionNeverApplies
            | Code::Unused => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A one-line summary of what the code means.
    pub fn summary(self) -> &'static str {
        match self {
            Code::Aggregate => {
                "an aggregate is used wrongly (unknown function, missing window or property)"
            }
            Code::BadCount => "a count that is not a positive whole number in range",
            Code::BadDuration => "a duration that is malformed, zero or out of range",
            Code::BadParam => "a `with` parameter that is not a plain value",
            Code::BadPercentage => "a percentage outside 0 to 100",
            Code::Cycle => "segments or metrics that refer to themselves",
            Code::DivisionByZero => "a division whose divisor may be zero",
            Code::DuplicateClause => "a clause written twice in one rule or policy",
            Code::DuplicateName => "two definitions with the same name",
            Code::DuplicatePolicy => "more than one policy block",
            Code::DuplicateSchema => "more than one schema block",
            Code::DuplicateSend => "two rules send the same message on the same channel",
            Code::EmptyQuietHours => "quiet hours that start and end at the same time",
            Code::EmptyRuleset => "a ruleset directory with no rule files",
            Code::EventAsValue => "an event name used where a value is expected",
            Code::GoalCondition => {
                "a goal's `where` that reads more than the goal event's properties"
            }
            Code::Internal => "an internal error (a bug in nudge)",
            Code::InvalidRuleset => "a ruleset with errors",
            Code::Io => "a file that cannot be read",
            Code::MissingClause => "a required clause is missing",
            Code::NeedlessDefault => "`??` on a value that is never missing",
            Code::NeverHolds => "a rule, segment or suppression whose condition can never hold",
            Code::NoActivity => "`inactive for` without an `activity` definition",
            Code::NoCooldown => "a rule without a cooldown",
            Code::CapNeverApplies => "a cap per tag naming a tag no rule carries",
            Code::NoConsent => "a rule sends on a personal channel that has no consent clause nor channel suppression",
            Code::NoFields => "a schema with no attributes or events",
            Code::NoSchema => "a ruleset without a schema",
            Code::NotAValue => "a name that does not denote a value",
            Code::Optional => "an optional value used without a guard or default",
            Code::ReservedName => "a name reserved by the language or the snapshot format",
            Code::Runtime => {
                "a runtime fault while evaluating a rule (division by zero, a missing value)"
            }
            Code::SnapshotProblem => "a customer snapshot that does not fit the schema",
            Code::SnapshotRejected => "input that is not a customer at all (bad syntax, no `id`)",
            Code::SuppressionNeverApplies => "a suppression whose condition can never hold",
            Code::Syntax => "the text does not follow the grammar",
            Code::TestBadTime => "a test time that is not an RFC 3339 instant",
            Code::TestConflictingExpectation => "a test case that expects two outcomes at once",
            Code::TestDuplicateCase => "two test cases with the same name",
            Code::TestInvalidCustomer => "a test customer that does not fit the schema",
            Code::TestMissingKey => "a test case missing a required key",
            Code::TestMissingNow => "a test case without an evaluation instant",
            Code::TestUnknownAttribute => "a test customer with an attribute the schema lacks",
            Code::TestUnknownChannel => "a test expectation naming an unknown channel",
            Code::TestUnknownEvent => "a test customer with an event the schema lacks",
            Code::TestUnknownKey => "an unknown key in a test file",
            Code::TestUnknownRule => "a test expectation naming an unknown rule",
            Code::TestUnknownSuppression => "a test expectation naming an unknown suppression",
            Code::TestWrongType => "a test file value of the wrong type",
            Code::TestYaml => "a test file that is not valid YAML",
            Code::TypeMismatch => "an expression of the wrong type",
            Code::UnknownChannel => "a channel not declared in the policy",
            Code::UnknownWeekday => "a `deliver at … on DAY` naming no weekday",
            Code::UnknownEnumValue => "a string that is not one of the enum's values",
            Code::UnknownEvent => "an event not declared in the schema",
            Code::UnknownField => "a field not declared in the record type",
            Code::UnknownFunction => "a function that does not exist",
            Code::UnknownName => "a name that is not defined",
            Code::UnknownProperty => "an event property not declared in the schema",
            Code::UnknownType => "a type that does not exist",
            Code::UnknownZone => "a time zone that is not a known IANA zone",
            Code::Unused => "a segment or metric that nothing uses",
            Code::VariantTotal => "variant percentages that do not add up to 100",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One finding about the source, with a primary span.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Which catalogue entry this is, such as `nudge::unknown_name`.
    pub code: Code,
    /// What went wrong, lowercase, no final period.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Short text under the underlined span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain this one (a first definition, a cycle member).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    /// The error for a name that names nothing of its kind: "unknown
    /// {what} `{name}`", to follow with a label and
    /// [`with_suggestion`](Diagnostic::with_suggestion).
    pub fn unknown(code: Code, span: Span, what: &str, name: &str) -> Diagnostic {
        Diagnostic::error(code, span, format!("unknown {what} `{name}`"))
    }

    /// A warning.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Sets the text under the span.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Sets the fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds the help "did you mean `x`?" with the candidate closest to the
    /// misspelt `name` (see [`did_you_mean`]), or the help `otherwise` when
    /// none is close.
    pub fn with_suggestion<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        otherwise: impl Into<String>,
    ) -> Diagnostic {
        match did_you_mean(name, candidates) {
            Some(s) => self.with_help(format!("did you mean `{s}`?")),
            None => self.with_help(otherwise),
        }
    }

    /// Adds another place that explains this one.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A self-contained `miette` report carrying its source file.
    pub fn to_report(&self, sources: &SourceSet) -> Report {
        let file = sources.get(self.span.file);
        let (name, text) = match file {
            Some(f) => (f.name.clone(), f.text.clone()),
            None => (String::from("<unknown>"), Arc::new(String::new())),
        };
        let location = file.map(|f| f.location(self.span.start));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            (!self.label.is_empty()).then(|| self.label.clone()),
            to_source_span(self.span),
        )];
        let mut help = self.help.clone();
        for (span, label) in &self.related {
            if span.file == self.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    to_source_span(*span),
                ));
            } else if let Some(other) = sources.get(span.file) {
                let loc = other.location(span.start);
                let note = format!("{label} ({}:{}:{})", other.name, loc.line, loc.column);
                help = Some(match help {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
            }
        }
        let message = match location {
            Some(loc) => format!("{}:{}:{}: {}", name, loc.line, loc.column, self.message),
            None => self.message.clone(),
        };
        // miette pads snippets with `{:width$}`, which panics past column
        // 65,535, and such lines are unreadable anyway: no snippet for them.
        let too_wide = file.is_some_and(|f| {
            labels.iter().any(|l| {
                let end = l.offset().saturating_add(l.len());
                [l.offset(), end]
                    .iter()
                    .any(|at| f.location(*at).column > MAX_SNIPPET_COLUMN)
            })
        });
        if too_wide {
            let first = (!self.label.is_empty()).then(|| self.label.clone());
            labels.clear();
            help = match (first, help) {
                (Some(l), Some(h)) => Some(format!("{l}\n{h}")),
                (l, h) => l.or(h),
            };
        }
        Report {
            message,
            code: self.code,
            severity: self.severity,
            help,
            labels,
            source: (!too_wide).then(|| NamedSource::new(name, text)),
        }
    }

    /// The machine-readable form used by `nudge check --format json`.
    pub fn to_json(&self, sources: &SourceSet) -> JsonDiagnostic {
        let file = sources.get(self.span.file);
        let start = file.map(|f| f.location(self.span.start));
        let end = file.map(|f| f.location(self.span.end));
        JsonDiagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            file: file.map(|f| f.name.clone()).unwrap_or_default(),
            line: start.map(|l| l.line).unwrap_or(0),
            column: start.map(|l| l.column).unwrap_or(0),
            end_line: end.map(|l| l.line).unwrap_or(0),
            end_column: end.map(|l| l.column).unwrap_or(0),
            label: self.label.clone(),
            help: self.help.clone(),
        }
    }
}

/// Diagnostics on a line longer than this are shown without a snippet.
const MAX_SNIPPET_COLUMN: usize = 4_096;

fn to_source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

/// A diagnostic as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The catalogue code, e.g. `nudge::unknown_name`.
    pub code: Code,
    /// What went wrong.
    pub message: String,
    /// The file's name.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end.
    pub end_column: usize,
    /// The text under the span.
    pub label: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A diagnostic with its source attached, ready for `miette` to render.
#[derive(Debug)]
pub struct Report {
    message: String,
    code: Code,
    severity: Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    /// `None` when the lines are too long to show.
    source: Option<NamedSource<Arc<String>>>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// "did you mean" for a misspelt name: the closest candidate within a small
/// edit distance, if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| {
            *d <= limit
                || (c.starts_with(name) && name.len() >= 3)
                || (name.starts_with(c) && c.len() >= 3)
        })
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["plan", "signed_up_at", "last_seen_at"];
        assert_eq!(did_you_mean("plann", names), Some("plan"));
        assert_eq!(did_you_mean("last_sen_at", names), Some("last_seen_at"));
        assert_eq!(did_you_mean("zebra", names), None);
        // A full word for an abbreviation: `"monday"` for `"mon"`.
        let days = ["mon", "tue", "wed", "thu"];
        assert_eq!(did_you_mean("monday", days), Some("mon"));
        assert_eq!(did_you_mean("thursday", days), Some("thu"));
    }
}
