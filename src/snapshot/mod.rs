//! Customer snapshots: reading JSON, NDJSON and YAML straight into the
//! schema's slots (a `DeserializeSeed` driven by the checked schema), with
//! every mismatch collected as a problem instead of aborting, so an invalid
//! customer still gets its `error` decisions.

mod history;
mod json_syntax;
mod problem;
mod scan;
mod seed;

use serde::de::DeserializeSeed;

pub use history::MESSAGE_KEYS;
pub use problem::{
    FieldPath, JsonSyntax, JsonTop, KeyPlace, Problem, ProblemKind, RejectedInput, Step, TextPlace,
    UnknownKey, UnknownKeyNames,
};

use crate::program::Program;
use crate::value::{Micros, Value};

/// The occurrences of one event, sorted by time and stored by column: one
/// allocation per event, not one per occurrence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventLog {
    /// Occurrence times, ascending.
    pub at: Vec<Micros>,
    /// Property values, `width` per occurrence, in occurrence order.
    pub props: Vec<Value>,
    /// Properties per occurrence (the event's declared properties).
    pub width: usize,
}

impl EventLog {
    /// An empty log for an event with `width` properties.
    pub fn new(width: usize) -> EventLog {
        EventLog {
            at: Vec::new(),
            props: Vec::new(),
            width,
        }
    }

    /// The number of occurrences.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether the event never occurred.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The property values of occurrence `i`.
    pub fn props_of(&self, i: usize) -> &[Value] {
        self.props
            .get(i * self.width..(i + 1) * self.width)
            .unwrap_or(&[])
    }

    /// Sorts occurrences by time (stable), keeping properties with them.
    pub fn sort(&mut self) {
        if self.at.is_sorted() {
            return;
        }
        let mut order: Vec<usize> = (0..self.at.len()).collect();
        order.sort_by_key(|i| self.at.get(*i).copied().unwrap_or(0));
        let at = order
            .iter()
            .filter_map(|i| self.at.get(*i).copied())
            .collect();
        let props = order
            .iter()
            .flat_map(|i| self.props_of(*i).iter().cloned())
            .collect();
        self.at = at;
        self.props = props;
    }
}

/// A message already sent to the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    /// The rule that sent it, when known.
    pub rule: Option<String>,
    /// The message name.
    pub message: String,
    /// The channel it went out on.
    pub channel: String,
    /// When it was sent.
    pub at: Micros,
    /// The sending rule's tags, when the entry lists them (12.7).
    pub tags: Option<Vec<String>>,
    /// A `held_out` decision from an earlier run (`nudge eval --history`):
    /// nothing was sent, so it counts only for its rule's cooldown, and
    /// control customers come back at the treated customers' pace.
    pub held_out: bool,
}

/// One customer's state, laid out by the schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// The customer's id.
    pub id: String,
    /// Attribute values by slot.
    pub attributes: Vec<Value>,
    /// Occurrences by event slot, sorted by time.
    pub events: Vec<EventLog>,
    /// Delivery history, sorted by time.
    pub messages: Vec<SentMessage>,
    /// Keys (attributes, events, properties) not in the schema, ignored.
    pub unknown_keys: u32,
    /// The first of them by name, with counts.
    pub unknown_key_names: UnknownKeyNames,
}

/// A customer whose snapshot does not fit the schema: nothing is sent to it,
/// and every rule gets outcome `error` naming the problems.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidSnapshot {
    /// The customer's id.
    pub id: String,
    /// Every way the snapshot does not fit the schema, in input order.
    pub problems: Vec<Problem>,
}

impl InvalidSnapshot {
    /// The problems as one line, separated by `; `.
    pub fn summary(&self) -> String {
        let texts: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        texts.join("; ")
    }
}

/// The result of reading one customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Customer {
    /// The customer fits the schema.
    Valid(Snapshot),
    /// The customer has an id but does not fit the schema.
    Invalid(InvalidSnapshot),
}

impl Customer {
    /// The customer's id.
    pub fn id(&self) -> &str {
        match self {
            Customer::Valid(s) => &s.id,
            Customer::Invalid(i) => &i.id,
        }
    }
}

/// Reads one customer from JSON text (one NDJSON line).
pub fn from_json_str(program: &Program, text: &str) -> Result<Customer, RejectedInput> {
    parse_json_str(program, text)?.finish(&program.schema)
}

/// Reads JSON text holding one customer object and nothing after it.
/// The scanner reads the common case; serde reads the rest and reports.
fn parse_json_str(program: &Program, text: &str) -> Result<seed::Parsed, RejectedInput> {
    match scan::customer(&program.schema, text) {
        Some(parsed) => Ok(parsed),
        None => parse_json_str_with_serde(program, text),
    }
}

/// [`from_json_str`] by the serde reader alone, without the fast scanner:
/// the reference the scanner is tested and fuzzed against (they must give
/// the same result for every line).
pub fn from_json_str_with_serde(program: &Program, text: &str) -> Result<Customer, RejectedInput> {
    parse_json_str_with_serde(program, text)?.finish(&program.schema)
}

/// The serde reader alone: every problem and error message comes from it.
fn parse_json_str_with_serde(program: &Program, text: &str) -> Result<seed::Parsed, RejectedInput> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = seed::CustomerSeed::new(&program.schema)
        .deserialize(&mut de)
        .map_err(|e| not_json(&e, text, JsonTop::Object))?;
    de.end().map_err(|e| not_json(&e, text, JsonTop::Object))?;
    Ok(parsed)
}

/// Text that serde_json could not read as `top`: why, in words, and where.
pub fn not_json(e: &serde_json::Error, text: &str, top: JsonTop) -> RejectedInput {
    RejectedInput::Json(json_syntax::describe(e, text, top))
}

/// Reads one customer from a parsed JSON value (for embedding services).
pub fn from_json_value(
    program: &Program,
    value: &serde_json::Value,
) -> Result<Customer, RejectedInput> {
    seed::CustomerSeed::new(&program.schema)
        .deserialize(value)
        .map_err(|e| RejectedInput::Malformed(describe_json_error(&e)))?
        .finish(&program.schema)
}

/// Reads one customer from any serde deserializer (YAML documents, …).
pub fn from_deserializer<'de, D: serde::Deserializer<'de>>(
    program: &Program,
    de: D,
) -> Result<Customer, RejectedInput> {
    parse_any(program, de)?.finish(&program.schema)
}

/// Reads one customer from any serde deserializer, its errors in serde's words.
fn parse_any<'de, D: serde::Deserializer<'de>>(
    program: &Program,
    de: D,
) -> Result<seed::Parsed, RejectedInput> {
    seed::CustomerSeed::new(&program.schema)
        .deserialize(de)
        .map_err(|e| RejectedInput::Malformed(e.to_string()))
}

/// A customer's id and event occurrences, read without requiring its
/// attributes: what `nudge report` needs from outcome snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerEvents {
    /// The customer id.
    pub id: String,
    /// Occurrences by event slot, sorted by time.
    pub events: Vec<EventLog>,
    /// Event occurrences that do not fit the schema (left out of `events`).
    pub problems: Vec<Problem>,
}

impl CustomerEvents {
    /// A snapshot holding only these events (no attributes, no messages),
    /// for evaluating expressions over event properties.
    pub fn into_snapshot(self) -> Snapshot {
        Snapshot {
            id: self.id,
            events: self.events,
            ..Snapshot::default()
        }
    }
}

/// Reads one customer's id and events from JSON text (one NDJSON line).
pub fn events_from_json_str(
    program: &Program,
    text: &str,
) -> Result<CustomerEvents, RejectedInput> {
    parse_json_str(program, text)?.finish_events()
}

/// Reads one customer's id and events from any serde deserializer.
pub fn events_from_deserializer<'de, D: serde::Deserializer<'de>>(
    program: &Program,
    de: D,
) -> Result<CustomerEvents, RejectedInput> {
    parse_any(program, de)?.finish_events()
}

/// Reads a JSON array of customers; each element is read on its own.
pub fn from_json_array(
    program: &Program,
    text: &str,
) -> Result<Vec<Result<Customer, RejectedInput>>, RejectedInput> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| not_json(&e, text, JsonTop::Array))?;
    Ok(values.iter().map(|v| from_json_value(program, v)).collect())
}

/// Reads YAML text holding one customer, a list of customers, or several
/// `---` documents of either. A document with a syntax error is one
/// rejection; the documents after it are still read.
pub fn from_yaml_str(program: &Program, text: &str) -> Vec<Result<Customer, RejectedInput>> {
    yaml_records(text)
        .into_iter()
        .map(|record| record.and_then(|value| from_deserializer(program, value)))
        .collect()
}

/// The records of a YAML text: every document, and every item of a
/// document that is a list (empty documents hold none). A document that is
/// not valid YAML gives one `Malformed` rejection and the next documents
/// are read on: the text is split at its `---` lines first, because
/// serde_yaml cannot resume after a syntax error (its document iterator
/// repeats the error forever).
pub fn yaml_records(text: &str) -> Vec<Result<serde_yaml::Value, RejectedInput>> {
    let mut out = Vec::new();
    for (first_line, doc) in yaml_documents(text) {
        match serde_yaml::from_str::<serde_yaml::Value>(doc) {
            Ok(serde_yaml::Value::Sequence(items)) => out.extend(items.into_iter().map(Ok)),
            Ok(serde_yaml::Value::Null) => {}
            Ok(value) => out.push(Ok(value)),
            Err(e) => out.push(Err(RejectedInput::Malformed(yaml_error(&e, first_line)))),
        }
    }
    out
}

/// Splits YAML text into documents at `---` marker lines (which end any
/// block, as the YAML grammar says), with the 1-based line each document's
/// text starts on. A marker's own line may carry content (`--- {id: a}`).
fn yaml_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let (mut start, mut start_line) = (0, 1);
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_marker = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
        if is_marker {
            if let Some(before) = text.get(start..offset) {
                docs.push((start_line, before));
            }
            start = offset + 3;
            start_line = index + 1;
        }
        offset += line.len();
    }
    if let Some(rest) = text.get(start..) {
        docs.push((start_line, rest));
    }
    docs
}

/// serde_yaml's message, with its line counted from the start of the file
/// rather than of the document.
fn yaml_error(error: &serde_yaml::Error, first_line: usize) -> String {
    let message = error.to_string();
    match error.location() {
        Some(at) if first_line > 1 => {
            let local = format!("at line {} column {}", at.line(), at.column());
            let global = format!(
                "at line {} column {}",
                at.line() + first_line - 1,
                at.column()
            );
            message.replace(&local, &global)
        }
        _ => message,
    }
}

/// Reads a customer object, or part of one (a test file's `defaults`),
/// and lists the keys the schema does not know, with where they are.
/// Nothing else is checked: no `id` is needed.
pub fn unknown_keys<'de, D: serde::Deserializer<'de>>(
    program: &Program,
    de: D,
) -> Result<Vec<UnknownKey>, RejectedInput> {
    let parsed = seed::CustomerSeed::listing_unknown_keys(&program.schema)
        .deserialize(de)
        .map_err(|e| RejectedInput::Malformed(e.to_string()))?;
    Ok(parsed.unknown.keys.unwrap_or_default())
}

/// serde_json's message without its "at line L column C" tail, for callers
/// that say where in their own terms (file and line, or JSON fields).
pub fn json_error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// A JSON error for one input line: the message and its column.
fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = json_error_message(e);
    if e.column() > 0 {
        format!("{msg} (column {})", e.column())
    } else {
        msg
    }
}

#[cfg(test)]
mod scan_tests;
#[cfg(test)]
mod tests;
