//! The schema-driven deserializer: each attribute, field, property and
//! history entry is read by a seed that knows its type, writes a [`Value`]
//! and records a problem (instead of failing) when the input does not fit.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{
    Customer, CustomerEvents, EventLog, InvalidSnapshot, RejectedInput, SentMessage, Snapshot,
};
use crate::program::{Field, Schema, Type};
use crate::value::{parse_time, Value};

/// Where a value sits in the snapshot, rendered only for problems.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// What one customer object held, before the final checks.
pub(super) struct Parsed {
    id: Option<String>,
    id_problem: Option<String>,
    attributes: Vec<Option<Value>>,
    events: Vec<EventLog>,
    messages: Vec<SentMessage>,
    problems: Vec<String>,
    /// Where in `problems` the first problem with an event occurrence is.
    first_event_problem: Option<usize>,
    unknown: u32,
}

impl Parsed {
    /// The id, which must be a string.
    fn take_id(&mut self) -> Result<String, RejectedInput> {
        match (self.id.take(), self.id_problem.take()) {
            (Some(id), _) => Ok(id),
            (None, Some(problem)) => Err(RejectedInput { message: problem }),
            (None, None) => Err(RejectedInput {
                message: String::from("missing `id`: every customer needs a string `id`"),
            }),
        }
    }

    /// Only the id and the events; attributes are not required. A problem
    /// with an event occurrence rejects the customer.
    pub(super) fn finish_events(mut self) -> Result<CustomerEvents, RejectedInput> {
        let id = self.take_id()?;
        if let Some(problem) = self.first_event_problem.and_then(|i| self.problems.get(i)) {
            return Err(RejectedInput {
                message: problem.clone(),
            });
        }
        for log in &mut self.events {
            log.sort();
        }
        Ok(CustomerEvents {
            id,
            events: self.events,
        })
    }

    /// Required attributes must be present; the id must be a string.
    pub(super) fn finish(mut self, schema: &Schema) -> Result<Customer, RejectedInput> {
        let id = self.take_id()?;
        let mut attributes = Vec::with_capacity(schema.attributes.len());
        for (slot, value) in self.attributes.into_iter().enumerate() {
            let Some(field) = schema.attributes.get(slot) else {
                continue;
            };
            match value {
                Some(v) => attributes.push(v),
                None if field.ty.is_optional() => attributes.push(Value::Missing),
                None => {
                    self.problems.push(format!(
                        "missing required attribute `{}` (expected {})",
                        field.name,
                        schema.type_name(&field.ty)
                    ));
                    attributes.push(Value::Missing);
                }
            }
        }
        if !self.problems.is_empty() {
            return Ok(Customer::Invalid(InvalidSnapshot {
                id,
                problems: self.problems,
            }));
        }
        for log in &mut self.events {
            log.sort();
        }
        self.messages.sort_by_key(|m| m.at);
        Ok(Customer::Valid(Snapshot {
            id,
            attributes,
            events: self.events,
            messages: self.messages,
            unknown_keys: self.unknown,
        }))
    }
}

pub(super) struct CustomerSeed<'s> {
    schema: &'s Schema,
}

impl<'s> CustomerSeed<'s> {
    pub(super) fn new(schema: &'s Schema) -> Self {
        CustomerSeed { schema }
    }
}

impl<'de> DeserializeSeed<'de> for CustomerSeed<'_> {
    type Value = Parsed;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

/// A top-level key, classified without allocating.
enum Key {
    Id,
    Events,
    Messages,
    Attribute(usize),
    Unknown,
}

struct KeySeed<'s>(&'s Schema);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "id" => Key::Id,
            "events" => Key::Events,
            "messages" => Key::Messages,
            _ => match self.0.attribute_index(key) {
                Some(i) => Key::Attribute(i),
                None => Key::Unknown,
            },
        })
    }
}

/// A key matched against a list of fields (record fields, event properties).
struct FieldKey<'a>(&'a [Field], &'a [&'a str]);

enum FieldKeyKind {
    Field(usize),
    Extra(usize),
    Unknown,
}

impl<'de> DeserializeSeed<'de> for FieldKey<'_> {
    type Value = FieldKeyKind;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<FieldKeyKind, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldKey<'_> {
    type Value = FieldKeyKind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKeyKind, E> {
        if let Some(i) = self.1.iter().position(|k| *k == key) {
            return Ok(FieldKeyKind::Extra(i));
        }
        Ok(match self.0.iter().position(|f| f.name == key) {
            Some(i) => FieldKeyKind::Field(i),
            None => FieldKeyKind::Unknown,
        })
    }
}

impl<'de> Visitor<'de> for CustomerSeed<'_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a customer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let schema = self.schema;
        let mut parsed = Parsed {
            id: None,
            id_problem: None,
            attributes: vec![None; schema.attributes.len()],
            events: schema
                .events
                .iter()
                .map(|e| EventLog::new(e.props.len()))
                .collect(),
            messages: Vec::new(),
            problems: Vec::new(),
            first_event_problem: None,
            unknown: 0,
        };
        while let Some(key) = map.next_key_seed(KeySeed(schema))? {
            match key {
                Key::Id => {
                    let v = map.next_value_seed(ValueSeed {
                        ty: &Type::String,
                        schema,
                        path: Path::Root("id"),
                        problems: &mut parsed.problems,
                        unknown: &mut parsed.unknown,
                    })?;
                    match v {
                        Value::Str(s) => parsed.id = Some(s.to_string()),
                        _ => {
                            parsed.problems.pop();
                            parsed.id_problem = Some(String::from("`id` must be a string"));
                        }
                    }
                }
                Key::Attribute(slot) => {
                    let Some(field) = schema.attributes.get(slot) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let v = map.next_value_seed(ValueSeed {
                        ty: &field.ty,
                        schema,
                        path: Path::Root(&field.name),
                        problems: &mut parsed.problems,
                        unknown: &mut parsed.unknown,
                    })?;
                    if let Some(s) = parsed.attributes.get_mut(slot) {
                        *s = Some(v);
                    }
                }
                Key::Events => {
                    let before = parsed.problems.len();
                    map.next_value_seed(EventsSeed {
                        schema,
                        parsed: &mut parsed,
                    })?;
                    if parsed.problems.len() > before && parsed.first_event_problem.is_none() {
                        parsed.first_event_problem = Some(before);
                    }
                }
                Key::Messages => map.next_value_seed(MessagesSeed {
                    parsed: &mut parsed,
                })?,
                Key::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                    parsed.unknown += 1;
                }
            }
        }
        Ok(parsed)
    }
}

/// What a JSON value looks like, for problems: `"abc"`, `42`, a list, …
fn found_str(s: &str) -> String {
    let shown: String = s.chars().take(40).collect();
    let ellipsis = if s.chars().count() > 40 { "…" } else { "" };
    format!("\"{shown}{ellipsis}\"")
}

/// A duration in the language's own syntax: `7 days`, `12h`, `30min`, `2w`.
fn parse_duration(text: &str) -> Option<crate::value::Micros> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let amount: i64 = text.get(..split)?.parse().ok()?;
    let unit = text.get(split..)?.trim();
    let seconds = crate::program::DurationUnit::from_word(unit)?.seconds();
    amount
        .checked_mul(seconds)?
        .checked_mul(crate::value::MICROS_PER_SECOND)
}

/// Reads one value of a known type.
struct ValueSeed<'a> {
    ty: &'a Type,
    schema: &'a Schema,
    path: Path<'a>,
    problems: &'a mut Vec<String>,
    unknown: &'a mut u32,
}

impl ValueSeed<'_> {
    fn mismatch(self, found: String) -> Value {
        self.problems.push(format!(
            "`{}`: expected {}, found {found}",
            self.path,
            self.schema.type_name(self.ty.required())
        ));
        Value::Missing
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.schema.type_name(self.ty))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(match self.ty.required() {
            Type::Bool => Value::Bool(v),
            _ => self.mismatch(v.to_string()),
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(match self.ty.required() {
            Type::Int => Value::Int(v),
            Type::Number => Value::Number(v as f64),
            _ => self.mismatch(v.to_string()),
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(match (self.ty.required(), i64::try_from(v)) {
            (Type::Int, Ok(i)) => Value::Int(i),
            (Type::Number, _) => Value::Number(v as f64),
            _ => self.mismatch(v.to_string()),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(match self.ty.required() {
            Type::Number if v.is_finite() => Value::Number(v),
            Type::Int if v.fract() == 0.0 && v.abs() < 9.0e15 => Value::Int(v as i64),
            _ => self.mismatch(v.to_string()),
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(match self.ty.required() {
            Type::String => Value::Str(Arc::from(v)),
            Type::Time => match parse_time(v) {
                Some(t) => Value::Time(t),
                None => {
                    let found = format!(
                        "{} (not an RFC 3339 time such as \"2026-11-12T17:30:00Z\")",
                        found_str(v)
                    );
                    self.mismatch(found)
                }
            },
            Type::Duration => match parse_duration(v) {
                Some(d) => Value::Duration(d),
                None => {
                    let found = format!(
                        "{} (write a duration such as \"7 days\", \"12h\" or \"30min\")",
                        found_str(v)
                    );
                    self.mismatch(found)
                }
            },
            Type::Enum(id) => {
                let members = self.schema.enums.get(*id as usize);
                match members.and_then(|m| m.iter().position(|x| x == v)) {
                    Some(i) => Value::Enum(*id, i as u32),
                    None => self.mismatch(found_str(v)),
                }
            }
            _ => self.mismatch(found_str(v)),
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(if self.ty.is_optional() {
            Value::Missing
        } else {
            self.mismatch(String::from("null"))
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Type::List(elem) = self.ty.required() else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(self.mismatch(String::from("a list")));
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut i = 0;
        while let Some(v) = seq.next_element_seed(ValueSeed {
            ty: elem,
            schema: self.schema,
            path: Path::Index(&self.path, i),
            problems: self.problems,
            unknown: self.unknown,
        })? {
            items.push(v);
            i += 1;
        }
        Ok(Value::List(Arc::from(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Type::Record(id) = self.ty.required() else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(self.mismatch(String::from("an object")));
        };
        let fields: &[Field] = self
            .schema
            .records
            .get(*id as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut values: Vec<Option<Value>> = vec![None; fields.len()];
        while let Some(key) = map.next_key_seed(FieldKey(fields, &[]))? {
            match key {
                FieldKeyKind::Field(i) => {
                    let Some(field) = fields.get(i) else { continue };
                    let v = map.next_value_seed(ValueSeed {
                        ty: &field.ty,
                        schema: self.schema,
                        path: Path::Field(&self.path, &field.name),
                        problems: self.problems,
                        unknown: self.unknown,
                    })?;
                    if let Some(slot) = values.get_mut(i) {
                        *slot = Some(v);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    *self.unknown += 1;
                }
            }
        }
        let mut out = Vec::with_capacity(fields.len());
        for (field, v) in fields.iter().zip(values) {
            match v {
                Some(v) => out.push(v),
                None if field.ty.is_optional() => out.push(Value::Missing),
                None => {
                    self.problems.push(format!(
                        "`{}.{}`: missing required field (expected {})",
                        self.path,
                        field.name,
                        self.schema.type_name(&field.ty)
                    ));
                    out.push(Value::Missing);
                }
            }
        }
        Ok(Value::Record(Arc::from(out)))
    }
}

/// `events`: a map from event name to its occurrences.
struct EventsSeed<'a> {
    schema: &'a Schema,
    parsed: &'a mut Parsed,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

struct EventName<'s>(&'s Schema);

impl<'de> DeserializeSeed<'de> for EventName<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for EventName<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.event_index(v))
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping event names to occurrence lists")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(event) = map.next_key_seed(EventName(self.schema))? {
            match event {
                Some(e) => {
                    let Some(log) = self.parsed.events.get_mut(e) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    map.next_value_seed(OccurrencesSeed {
                        schema: self.schema,
                        event: e,
                        log,
                        problems: &mut self.parsed.problems,
                        unknown: &mut self.parsed.unknown,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                    self.parsed.unknown += 1;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.parsed.problems.push(String::from(
            "`events`: expected an object of event name → occurrences, found a list",
        ));
        Ok(())
    }
}

struct OccurrencesSeed<'a> {
    schema: &'a Schema,
    event: usize,
    log: &'a mut EventLog,
    problems: &'a mut Vec<String>,
    unknown: &'a mut u32,
}

impl<'de> DeserializeSeed<'de> for OccurrencesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OccurrencesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of occurrences")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some(def) = self.schema.events.get(self.event) else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        // A repeated key replaces the earlier list.
        self.log.at.clear();
        self.log.props.clear();
        if let Some(n) = seq.size_hint() {
            self.log.at.reserve(n);
        }
        let mut index = 0;
        while seq
            .next_element_seed(OccurrenceSeed {
                schema: self.schema,
                props: &def.props,
                log: self.log,
                path: Path::Index(&Path::Field(&Path::Root("events"), &def.name), index),
                problems: self.problems,
                unknown: self.unknown,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        let name = self
            .schema
            .events
            .get(self.event)
            .map(|e| e.name.as_str())
            .unwrap_or("?");
        self.problems.push(format!(
            "`events.{name}`: expected a list of occurrences, found an object"
        ));
        Ok(())
    }
}

/// One occurrence: a time string, or an object with `at` and properties.
/// It is appended to the event's log; a bad one is a problem and leaves the
/// log as it was.
struct OccurrenceSeed<'a> {
    schema: &'a Schema,
    props: &'a [Field],
    log: &'a mut EventLog,
    path: Path<'a>,
    problems: &'a mut Vec<String>,
    unknown: &'a mut u32,
}

impl<'de> DeserializeSeed<'de> for OccurrenceSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl OccurrenceSeed<'_> {
    fn problem(self, what: String) {
        self.problems.push(format!("`{}`: {what}", self.path));
    }
}

impl<'de> Visitor<'de> for OccurrenceSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time or an object with `at`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if !self.props.iter().all(|p| p.ty.is_optional()) {
            let names: Vec<&str> = self.props.iter().map(|p| p.name.as_str()).collect();
            let what = format!(
                "a bare time has no properties; write an object with `at` and {}",
                names.join(", ")
            );
            self.problem(what);
            return Ok(());
        }
        match parse_time(v) {
            Some(at) => {
                self.log.at.push(at);
                self.log
                    .props
                    .extend(std::iter::repeat_n(Value::Missing, self.props.len()));
            }
            None => self.problem(format!("expected an RFC 3339 time, found {}", found_str(v))),
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut at = None;
        let mut at_problem = false;
        // Properties go straight into the log; unset ones are marked here.
        let base = self.log.props.len();
        self.log
            .props
            .extend(std::iter::repeat_n(Value::Missing, self.props.len()));
        let mut set: u64 = 0;
        while let Some(key) = map.next_key_seed(FieldKey(self.props, &["at"]))? {
            match key {
                FieldKeyKind::Extra(_) => {
                    let v = map.next_value_seed(ValueSeed {
                        ty: &Type::Time,
                        schema: self.schema,
                        path: Path::Field(&self.path, "at"),
                        problems: self.problems,
                        unknown: self.unknown,
                    })?;
                    match v {
                        Value::Time(t) => at = Some(t),
                        _ => at_problem = true,
                    }
                }
                FieldKeyKind::Field(i) => {
                    let Some(prop) = self.props.get(i) else {
                        continue;
                    };
                    let v = map.next_value_seed(ValueSeed {
                        ty: &prop.ty,
                        schema: self.schema,
                        path: Path::Field(&self.path, &prop.name),
                        problems: self.problems,
                        unknown: self.unknown,
                    })?;
                    if let Some(slot) = self.log.props.get_mut(base + i) {
                        *slot = v;
                    }
                    set |= 1u64.checked_shl(i as u32).unwrap_or(0);
                }
                FieldKeyKind::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                    *self.unknown += 1;
                }
            }
        }
        let missing: Vec<&str> = self
            .props
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                !p.ty.is_optional() && set & 1u64.checked_shl(*i as u32).unwrap_or(0) == 0
            })
            .map(|(_, p)| p.name.as_str())
            .collect();
        let Some(at) = at.filter(|_| missing.is_empty()) else {
            self.log.props.truncate(base);
            if at_problem {
                return Ok(());
            }
            let what = if missing.is_empty() {
                String::from("missing `at`: every occurrence needs a time")
            } else {
                format!("missing required property `{}`", missing.join("`, `"))
            };
            self.problem(what);
            return Ok(());
        };
        self.log.at.push(at);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.problem(format!("expected a time or an object with `at`, found {v}"));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.problem(format!("expected a time or an object with `at`, found {v}"));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.problem(format!("expected a time or an object with `at`, found {v}"));
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.problem(format!("expected a time or an object with `at`, found {v}"));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.problem(String::from(
            "expected a time or an object with `at`, found null",
        ));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.problem(String::from(
            "expected a time or an object with `at`, found a list",
        ));
        Ok(())
    }
}

/// `messages`: the delivery history.
struct MessagesSeed<'a> {
    parsed: &'a mut Parsed,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of sent messages")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(entry) = seq.next_element_seed(MessageSeed)? {
            match entry {
                Ok(m) => self.parsed.messages.push(m),
                Err(problem) => self
                    .parsed
                    .problems
                    .push(format!("`messages[{i}]`: {problem}")),
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.parsed.problems.push(String::from(
            "`messages`: expected a list of sent messages, found an object",
        ));
        Ok(())
    }
}

/// One history entry, read field by field; a malformed entry becomes a
/// problem, never a failure of the whole customer.
struct MessageSeed;

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Result<SentMessage, String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A string field of a history entry (anything else is remembered as wrong).
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Option<String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

const MESSAGE_KEYS: [&str; 4] = ["rule", "message", "channel", "at"];
const MESSAGE_SHAPE: &str =
    "expected an object with string `message`, `channel` and `at` (and optional `rule`)";

impl<'de> Visitor<'de> for MessageSeed {
    type Value = Result<SentMessage, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sent message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields: [Option<String>; 4] = [None, None, None, None];
        while let Some(key) = map.next_key_seed(FieldKey(&[], &MESSAGE_KEYS))? {
            match key {
                FieldKeyKind::Extra(i) => {
                    let value = map.next_value_seed(TextSeed)?;
                    if let Some(slot) = fields.get_mut(i) {
                        *slot = value;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let [rule, message, channel, at] = fields;
        let (Some(message), Some(channel), Some(at)) = (message, channel, at) else {
            return Ok(Err(String::from(MESSAGE_SHAPE)));
        };
        Ok(match parse_time(&at) {
            Some(at) => Ok(SentMessage {
                rule,
                message,
                channel,
                at,
                held_out: false,
            }),
            None => Err(format!(
                "`at`: expected an RFC 3339 time, found {}",
                found_str(&at)
            )),
        })
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(String::from(MESSAGE_SHAPE)))
    }
}
