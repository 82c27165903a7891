//! What can be wrong with a customer snapshot, as typed values: a
//! [`Problem`] (the customer is read, but every rule gets outcome `error`)
//! or a [`RejectedInput`] (the input is not a customer at all).
//!
//! Their `Display` is the text decision records, `explain` and the server
//! show; callers that need to know *what* went wrong (the rule test runner,
//! an editor) match on [`ProblemKind`] and [`FieldPath`], never on the text.

use std::fmt;

use crate::diagnostic::Code;

/// One step of a [`FieldPath`]: a key of an object or an index of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object key: an attribute, a record field, an event or a property.
    Key(String),
    /// A position in a list (0-based).
    Index(usize),
}

/// Where a value sits in a snapshot, from the customer object down:
/// `events.watched[0].minutes`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPath(pub Vec<Step>);

impl FieldPath {
    /// A path of object keys only.
    pub fn keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> FieldPath {
        FieldPath(keys.into_iter().map(|k| Step::Key(k.to_string())).collect())
    }

    /// The steps from the customer object down.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The shape every entry of `messages` must have.
const MESSAGE_SHAPE: &str =
    "expected an object with string `message`, `channel` and `at` (and optional `rule`)";

/// The kind of a [`Problem`]. Types are named as the schema writes them
/// (`expected`); values found are shown as in the input (`found`, strings
/// quoted and cut at 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    /// A required attribute is absent (the path names it).
    #[error("missing required attribute (expected {expected})")]
    MissingAttribute {
        /// The attribute's declared type.
        expected: String,
    },
    /// A required field of a record is absent (the path names it).
    #[error("missing required field (expected {expected})")]
    MissingField {
        /// The field's declared type.
        expected: String,
    },
    /// A value of another type than the schema declares.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// The declared type.
        expected: String,
        /// The value found.
        found: String,
    },
    /// A string where a time is declared that is not RFC 3339.
    #[error(
        "expected {expected}, found {found} (not an RFC 3339 time such as \"2026-11-12T17:30:00Z\")"
    )]
    BadTime {
        /// The declared type.
        expected: String,
        /// The string found.
        found: String,
    },
    /// A string where a duration is declared that is not one.
    #[error(
        "expected {expected}, found {found} (write a duration such as \"7 days\", \"12h\" or \"30min\")"
    )]
    BadDuration {
        /// The declared type.
        expected: String,
        /// The string found.
        found: String,
    },
    /// A string that is not one of the enum's values.
    #[error("expected {expected}, found {found}")]
    UnknownEnumValue {
        /// The enum's name.
        expected: String,
        /// The string found.
        found: String,
    },
    /// `events` is a list instead of an object.
    #[error("expected an object of event name → occurrences, found a list")]
    EventsNotAnObject,
    /// An event's occurrences are an object instead of a list.
    #[error("expected a list of occurrences, found an object")]
    OccurrencesNotAList,
    /// A bare time for an event with required properties.
    #[error("a bare time has no properties; write an object with `at` and {}", .properties.join(", "))]
    BareTime {
        /// The event's properties.
        properties: Vec<String>,
    },
    /// An occurrence time that is not RFC 3339.
    #[error("expected an RFC 3339 time, found {found}")]
    BadOccurrenceTime {
        /// The string found.
        found: String,
    },
    /// An occurrence object without `at`.
    #[error("missing `at`: every occurrence needs a time")]
    MissingOccurrenceTime,
    /// An occurrence without some of its event's required properties.
    #[error("missing required property `{}`", .names.join("`, `"))]
    MissingProperties {
        /// The properties missing.
        names: Vec<String>,
    },
    /// An occurrence that is neither a time nor an object.
    #[error("expected a time or an object with `at`, found {found}")]
    NotAnOccurrence {
        /// The value found.
        found: String,
    },
    /// `messages` is an object instead of a list.
    #[error("expected a list of sent messages, found an object")]
    MessagesNotAList,
    /// A `messages` entry without string `message`, `channel` and `at`.
    #[error("{MESSAGE_SHAPE}")]
    MessageShape,
    /// A `messages` entry whose `at` is not RFC 3339.
    #[error("`at`: expected an RFC 3339 time, found {found}")]
    BadMessageTime {
        /// The string found.
        found: String,
    },
}

/// A way a customer does not fit the schema: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the customer object.
    pub path: FieldPath,
    /// What is wrong there.
    pub kind: ProblemKind,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: FieldPath, kind: ProblemKind) -> Problem {
        Problem { path, kind }
    }

    /// Whether the problem is a time that is not RFC 3339.
    pub fn is_bad_time(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::BadTime { .. }
                | ProblemKind::BadOccurrenceTime { .. }
                | ProblemKind::BadMessageTime { .. }
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ProblemKind::MissingAttribute { expected } => write!(
                f,
                "missing required attribute `{}` (expected {expected})",
                self.path
            ),
            kind => write!(f, "`{}`: {kind}", self.path),
        }
    }
}

impl std::error::Error for Problem {}

impl miette::Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(Code::SnapshotProblem))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match &self.kind {
            ProblemKind::MissingAttribute { .. } => "add the attribute to the customer",
            _ if self.is_bad_time() => "write times as RFC 3339, e.g. `2026-11-12T17:30:00Z`",
            _ => "the value must match the type declared in the schema",
        };
        Some(Box::new(help))
    }
}

/// Where a key the schema does not know was found, which says what it
/// should have been (and so which names to suggest instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    /// A top-level key of the customer: an attribute.
    Attribute,
    /// A field of a record value (the record type's index in the schema).
    Field {
        /// The record type.
        record: u32,
    },
    /// A key of `events`: an event name.
    Event,
    /// A key of an occurrence object: a property (the event's slot).
    Property {
        /// The event.
        event: usize,
    },
    /// A key of a `messages` entry.
    MessageKey,
}

/// A key in a customer that the schema does not know. Evaluation ignores
/// (and counts) such keys; the rule test runner reports them as mistakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// The object that holds the key (empty for the customer itself).
    pub path: FieldPath,
    /// The key as written.
    pub key: String,
    /// What kind of name was expected there.
    pub place: KeyPlace,
}

impl UnknownKey {
    /// The key with the object keys above it and without list positions,
    /// as unknown keys are counted by name: `shoe_size`, `company.size`,
    /// `events.watched.device`.
    pub fn name(&self) -> String {
        let mut name = String::new();
        for step in self.path.steps() {
            if let Step::Key(key) = step {
                name.push_str(key);
                name.push('.');
            }
        }
        name.push_str(&self.key);
        name
    }
}

/// Unknown keys counted by [name](UnknownKey::name): the first
/// [`UnknownKeyNames::MAX`] distinct names, in the order first met, each
/// with how often it was met (later names are only in the total count).
/// Serialized as `[{"key": "shoe_size", "count": 2}, …]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnknownKeyNames(Vec<(String, u64)>);

impl UnknownKeyNames {
    /// The most distinct names kept.
    pub const MAX: usize = 10;

    /// Counts `count` more of `name` (a new name is kept while there is room).
    pub fn add(&mut self, name: &str, count: u64) {
        if let Some((_, n)) = self.0.iter_mut().find(|(n, _)| n == name) {
            *n += count;
        } else if self.0.len() < Self::MAX {
            self.0.push((name.to_string(), count));
        }
    }

    /// Adds every name of `other`.
    pub fn merge(&mut self, other: &UnknownKeyNames) {
        for (name, count) in &other.0 {
            self.add(name, *count);
        }
    }

    /// The names with their counts, in the order first met.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(n, c)| (n.as_str(), *c))
    }

    /// Whether no name was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first `shown` names with their counts, and how many of the
    /// `total` unknown keys are not shown: `shoe_size: 2, hat: 1, 3 more`.
    pub fn describe(&self, total: u64, shown: usize) -> String {
        let mut parts: Vec<String> = self
            .iter()
            .take(shown)
            .map(|(name, count)| format!("{name}: {count}"))
            .collect();
        let named: u64 = self.iter().take(shown).map(|(_, count)| count).sum();
        if total > named {
            parts.push(format!("{} more", total - named));
        }
        parts.join(", ")
    }
}

impl serde::Serialize for UnknownKeyNames {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        #[derive(serde::Serialize)]
        struct Named<'a> {
            key: &'a str,
            count: u64,
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (key, count) in self.iter() {
            seq.serialize_element(&Named { key, count })?;
        }
        seq.end()
    }
}

/// Where in JSON text: the line (for text of several lines) and the
/// column, counted in characters from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPlace {
    /// The line, when the text has several.
    pub line: Option<usize>,
    /// The column.
    pub column: usize,
}

impl fmt::Display for TextPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, column {}", self.column),
            None => write!(f, "column {}", self.column),
        }
    }
}

/// What the top level of JSON text must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonTop {
    /// One customer object (an NDJSON line).
    Object,
    /// An array of customers (a `.json` file).
    Array,
}

impl JsonTop {
    fn what(self) -> &'static str {
        match self {
            JsonTop::Object => "line is not a JSON object: expected `{`",
            JsonTop::Array => "the file is not a JSON array: expected `[`",
        }
    }
}

/// Why text is not JSON, in a rule author's words. It is found by looking
/// at the input itself where serde_json stopped, never by reading
/// serde_json's message; texts are shown as written (cut at 20 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonSyntax {
    /// The text does not start with the top-level bracket.
    #[error("{} at {at}, found {found}", .top.what())]
    WrongTop {
        /// What the top level must be.
        top: JsonTop,
        /// What was found there.
        found: String,
        /// Where.
        at: TextPlace,
    },
    /// A word where a value was expected: `nul`, `yes`, `None`.
    #[error("unquoted text `{text}` at {at}: JSON values are written `null`, `true`, `false`, numbers or \"strings\"")]
    UnquotedText {
        /// The word.
        text: String,
        /// Where it starts.
        at: TextPlace,
    },
    /// A key without double quotes: `{id: "a"}`.
    #[error("unquoted key `{text}` at {at}: keys are written in double quotes, \"{text}\"")]
    UnquotedKey {
        /// The key.
        text: String,
        /// Where it starts.
        at: TextPlace,
    },
    /// A string in single quotes.
    #[error("single quote at {at}: JSON strings are written in double quotes")]
    SingleQuote {
        /// Where.
        at: TextPlace,
    },
    /// A number that is not written as JSON writes numbers.
    #[error("`{text}` at {at} is not a JSON number (e.g. `42`, `-0.5`, `1e3`)")]
    BadNumber {
        /// The text.
        text: String,
        /// Where it starts.
        at: TextPlace,
    },
    /// A character that cannot come here.
    #[error("unexpected {found} at {at}: expected {expected}")]
    Unexpected {
        /// What was found (quoted).
        found: String,
        /// What may come here.
        expected: &'static str,
        /// Where.
        at: TextPlace,
    },
    /// A comma right before `}` or `]`.
    #[error("trailing comma at {at}: remove it, or add the next item after it")]
    TrailingComma {
        /// Where the comma is.
        at: TextPlace,
    },
    /// Something after the complete value.
    #[error("text after the end of the {} at {at}: {}", .top.noun(), .top.after())]
    TrailingText {
        /// What the top level is.
        top: JsonTop,
        /// Where the extra text starts.
        at: TextPlace,
    },
    /// The text ends inside a string.
    #[error("the string that starts at {at} is never closed: add the closing `\"`")]
    UnclosedString {
        /// Where the string starts.
        at: TextPlace,
    },
    /// The text ends before a bracket is closed.
    #[error("`{open}` at {at} is never closed: add `{close}`")]
    Unclosed {
        /// The open bracket.
        open: char,
        /// The bracket that closes it.
        close: char,
        /// Where it opens.
        at: TextPlace,
    },
    /// A backslash followed by a character that is not an escape.
    #[error("unknown escape `{text}` at {at}: the escapes are \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX")]
    BadEscape {
        /// The escape as written.
        text: String,
        /// Where it starts.
        at: TextPlace,
    },
    /// A raw control character (a tab, a line break) inside a string.
    #[error("control character inside a string at {at}: write it escaped, e.g. `\\t` or `\\n`")]
    ControlCharacter {
        /// Where.
        at: TextPlace,
    },
    /// Objects and lists nested deeper than serde_json reads.
    #[error("nested deeper than {limit} levels at {at}")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where the level past the limit opens.
        at: TextPlace,
    },
    /// Anything else (e.g. a number out of range): serde_json's own words.
    #[error("{message} at {at}")]
    Other {
        /// serde_json's message, without its position.
        message: String,
        /// Where.
        at: TextPlace,
    },
}

impl JsonTop {
    fn noun(self) -> &'static str {
        match self {
            JsonTop::Object => "object",
            JsonTop::Array => "array",
        }
    }

    fn after(self) -> &'static str {
        match self {
            JsonTop::Object => "one customer per line",
            JsonTop::Array => "a `.json` file holds one array of customers",
        }
    }
}

/// Input that is not a customer at all (bad syntax, not an object, no id):
/// the line is rejected and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectedInput {
    /// The text is not JSON: why and where.
    #[error("{0}")]
    Json(JsonSyntax),
    /// The text is not valid YAML, or JSON or YAML of another shape than a
    /// customer (the parser's message).
    #[error("{0}")]
    Malformed(String),
    /// The object has no `id`.
    #[error("missing `id`: every customer needs a string `id`")]
    MissingId,
    /// The `id` is not a string.
    #[error("`id` must be a string")]
    IdNotString,
}

impl RejectedInput {
    /// Whether the input was rejected for its `id`.
    pub fn is_about_id(&self) -> bool {
        matches!(self, RejectedInput::MissingId | RejectedInput::IdNotString)
    }
}

impl miette::Diagnostic for RejectedInput {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(Code::SnapshotRejected))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = if self.is_about_id() {
            "give every customer a string `id`"
        } else {
            "a customer is a JSON object of attributes, `id`, `events` and `messages`"
        };
        Some(Box::new(help))
    }
}
