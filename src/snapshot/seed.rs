//! The schema-driven deserializer: each attribute, field, property and
//! history entry is read by a seed that knows its type, writes a [`Value`]
//! and records a problem (instead of failing) when the input does not fit.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::history::{EventsSeed, MessagesSeed};
use super::problem::{
    FieldPath, KeyPlace, Problem, ProblemKind, Step, UnknownKey, UnknownKeyNames,
};
use super::{
    Customer, CustomerEvents, EventLog, InvalidSnapshot, RejectedInput, SentMessage, Snapshot,
};
use crate::program::{Field, Schema, Type};
use crate::value::{parse_time, Value};
use crate::visitor::{scalars, Any, Scalar};

/// Where a value sits in the snapshot, made owned only for problems.
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    Root(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The owned path, for a problem.
    pub(super) fn to_owned(self) -> FieldPath {
        let mut steps = Vec::new();
        self.push_to(&mut steps);
        FieldPath(steps)
    }

    /// The owned path of `key` inside this one.
    pub(super) fn with_key(self, key: &str) -> FieldPath {
        let mut path = self.to_owned();
        path.0.push(Step::Key(key.to_string()));
        path
    }

    fn push_to(self, steps: &mut Vec<Step>) {
        match self {
            Path::Root(name) => steps.push(Step::Key(name.to_string())),
            Path::Field(parent, name) => {
                parent.push_to(steps);
                steps.push(Step::Key(name.to_string()));
            }
            Path::Index(parent, i) => {
                parent.push_to(steps);
                steps.push(Step::Index(i));
            }
        }
    }
}

/// Keys the schema does not know: counted, and listed with where they are
/// when the caller asks (the rule test runner reports them).
#[derive(Default)]
pub(super) struct Unknown {
    pub(super) count: u32,
    pub(super) keys: Option<Vec<UnknownKey>>,
    /// When not listed, the first names with counts (for summaries).
    pub(super) names: UnknownKeyNames,
}

impl Unknown {
    /// Counts an unknown key, and lists it when asked (else counts its name).
    pub(super) fn note(&mut self, key: Option<String>, path: impl FnOnce(String) -> UnknownKey) {
        self.count += 1;
        match (&mut self.keys, key) {
            (Some(keys), Some(key)) => keys.push(path(key)),
            (None, Some(key)) => self.names.add(&path(key).name(), 1),
            _ => {}
        }
    }

    /// Lists an unknown key without counting it.
    pub(super) fn list(&mut self, key: Option<String>, path: impl FnOnce(String) -> UnknownKey) {
        if let (Some(keys), Some(key)) = (&mut self.keys, key) {
            keys.push(path(key));
        }
    }

    /// Whether keys are listed (and so their names are needed).
    pub(super) fn listing(&self) -> bool {
        self.keys.is_some()
    }
}

/// What one customer object held, before the final checks.
pub(super) struct Parsed {
    pub(super) id: Option<String>,
    id_problem: Option<RejectedInput>,
    pub(super) attributes: Vec<Option<Value>>,
    pub(super) events: Vec<EventLog>,
    pub(super) messages: Vec<SentMessage>,
    pub(super) problems: Vec<Problem>,
    /// Where in `problems` the problems with event occurrences are.
    pub(super) event_problems: std::ops::Range<usize>,
    pub(super) unknown: Unknown,
}

impl Parsed {
    /// Records a problem with a part of the customer at `keys` (`events`).
    pub(super) fn problem_at<'k>(
        &mut self,
        keys: impl IntoIterator<Item = &'k str>,
        kind: ProblemKind,
    ) {
        self.problems
            .push(Problem::new(FieldPath::keys(keys), kind));
    }

    /// Reading values of this customer against `schema`.
    pub(super) fn reading<'a>(&'a mut self, schema: &'a Schema) -> Reading<'a> {
        Reading::new(schema, &mut self.problems, &mut self.unknown)
    }

    /// Nothing read yet: no attribute, an empty log for each event.
    pub(super) fn new(schema: &Schema, list_unknown: bool) -> Parsed {
        Parsed {
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
            event_problems: 0..0,
            unknown: Unknown {
                count: 0,
                keys: list_unknown.then(Vec::new),
                names: UnknownKeyNames::default(),
            },
        }
    }

    /// Only the id and the events; attributes are not required. The
    /// problems with event occurrences come along.
    pub(super) fn finish_events(mut self) -> Result<CustomerEvents, RejectedInput> {
        let id = match (self.id, self.id_problem) {
            (Some(id), _) => id,
            (None, Some(problem)) => return Err(problem),
            (None, None) => return Err(RejectedInput::MissingId),
        };
        let problems = self
            .problems
            .get(self.event_problems.clone())
            .map(<[Problem]>::to_vec)
            .unwrap_or_default();
        for log in &mut self.events {
            log.sort();
        }
        Ok(CustomerEvents {
            id,
            events: self.events,
            problems,
        })
    }

    /// Required attributes must be present; the id must be a string.
    pub(super) fn finish(mut self, schema: &Schema) -> Result<Customer, RejectedInput> {
        let id = match (self.id, self.id_problem) {
            (Some(id), _) => id,
            (None, Some(problem)) => return Err(problem),
            (None, None) => return Err(RejectedInput::MissingId),
        };
        let mut attributes = Vec::with_capacity(schema.attributes.len());
        for (slot, value) in self.attributes.into_iter().enumerate() {
            let Some(field) = schema.attributes.get(slot) else {
                continue;
            };
            match value {
                Some(v) => attributes.push(v),
                None if field.ty.is_optional() => attributes.push(Value::Missing),
                None => {
                    self.problems.push(Problem::new(
                        FieldPath::keys([field.name.as_str()]),
                        ProblemKind::MissingAttribute {
                            expected: schema.type_name(&field.ty),
                        },
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
            unknown_keys: self.unknown.count,
            unknown_key_names: self.unknown.names,
        }))
    }
}

/// Reads one customer object.
pub(super) struct CustomerSeed<'s> {
    schema: &'s Schema,
    /// List unknown keys with their paths (not only count them).
    list_unknown: bool,
}

impl<'s> CustomerSeed<'s> {
    /// A reader that counts unknown keys.
    pub(super) fn new(schema: &'s Schema) -> Self {
        CustomerSeed {
            schema,
            list_unknown: false,
        }
    }

    /// A reader that also lists unknown keys with their paths.
    pub(super) fn listing_unknown_keys(schema: &'s Schema) -> Self {
        CustomerSeed {
            schema,
            list_unknown: true,
        }
    }
}

impl<'de> DeserializeSeed<'de> for CustomerSeed<'_> {
    type Value = Parsed;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        d.deserialize_map(self)
    }
}

/// The map keys a reader tells apart (a customer's top-level keys, a
/// record's fields, the schema's events); any other key is unknown.
pub(super) trait KeySet {
    /// What a key is.
    type Kind;
    /// What the keys are, for errors: `an attribute name`.
    const EXPECTING: &'static str;
    /// The kind of a known key.
    fn known(&self, key: &str) -> Option<Self::Kind>;
    /// An unknown key, by name.
    fn unknown(name: String) -> Self::Kind;
}

/// Reads one map key of a [`KeySet`], without allocating for a known one;
/// the flag says whether unknown keys are listed.
pub(super) struct KeyOf<K>(pub(super) K, pub(super) bool);

impl<K: KeySet> KeyOf<K> {
    /// A key that is not a string (YAML allows `7: x`) is, when unknown keys
    /// are listed, an unknown key named as written; otherwise, and when it
    /// is null, the input is rejected.
    fn scalar<E: de::Error>(self, key: Scalar<'_>) -> Result<K::Kind, E> {
        match key {
            Scalar::Str(name) => Ok(self
                .0
                .known(name)
                .unwrap_or_else(|| K::unknown(name.to_string()))),
            _ if self.1 && key != Scalar::Unit => Ok(K::unknown(key.to_string())),
            _ => Err(E::invalid_type(key.unexpected(), &self)),
        }
    }
}

impl<K: KeySet> Visitor<'_> for KeyOf<K> {
    type Value = K::Kind;
    scalars!();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(K::EXPECTING)
    }
}

/// A top-level key, classified without allocating.
enum Key {
    Id,
    Events,
    Messages,
    Attribute(usize),
    /// Not in the schema (the name, when unknown keys are listed).
    Unknown(Option<String>),
}

/// A customer's top-level keys: `id`, `events`, `messages` and the schema's
/// attributes.
struct TopKeys<'s>(&'s Schema);

impl KeySet for TopKeys<'_> {
    type Kind = Key;
    const EXPECTING: &'static str = "an attribute name";
    fn known(&self, key: &str) -> Option<Key> {
        match key {
            "id" => Some(Key::Id),
            "events" => Some(Key::Events),
            "messages" => Some(Key::Messages),
            _ => self.0.attribute_index(key).map(Key::Attribute),
        }
    }
    fn unknown(name: String) -> Key {
        Key::Unknown(Some(name))
    }
}

/// A list of fields (record fields, event properties) and extra names
/// (`at`).
pub(super) struct Fields<'a>(pub(super) &'a [Field], pub(super) &'a [&'a str]);

pub(super) enum FieldKeyKind {
    /// One of the fields (its index).
    Field(usize),
    /// One of the extra names (its index).
    Extra(usize),
    /// Neither (the name, when unknown keys are listed).
    Unknown(Option<String>),
}

impl KeySet for Fields<'_> {
    type Kind = FieldKeyKind;
    const EXPECTING: &'static str = "a field name";
    fn known(&self, key: &str) -> Option<FieldKeyKind> {
        match self.1.iter().position(|k| *k == key) {
            Some(i) => Some(FieldKeyKind::Extra(i)),
            None => self
                .0
                .iter()
                .position(|f| f.name == key)
                .map(FieldKeyKind::Field),
        }
    }
    fn unknown(name: String) -> FieldKeyKind {
        FieldKeyKind::Unknown(Some(name))
    }
}

impl<'de> Visitor<'de> for CustomerSeed<'_> {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a customer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let schema = self.schema;
        let mut parsed = Parsed::new(schema, self.list_unknown);
        while let Some(key) = map.next_key_seed(Any(KeyOf(TopKeys(schema), self.list_unknown)))? {
            match key {
                Key::Id => {
                    let mut reading = parsed.reading(schema);
                    let v =
                        map.next_value_seed(Any(reading.seed(&Type::String, Path::Root("id"))))?;
                    match v {
                        Value::Str(s) => parsed.id = Some(s.to_string()),
                        _ => {
                            parsed.problems.pop();
                            parsed.id_problem = Some(RejectedInput::IdNotString);
                        }
                    }
                }
                Key::Attribute(slot) => {
                    let Some(field) = schema.attributes.get(slot) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let mut reading = parsed.reading(schema);
                    let v =
                        map.next_value_seed(Any(reading.seed(&field.ty, Path::Root(&field.name))))?;
                    if let Some(s) = parsed.attributes.get_mut(slot) {
                        *s = Some(v);
                    }
                }
                Key::Events => {
                    let before = parsed.problems.len();
                    map.next_value_seed(Any(EventsSeed {
                        schema,
                        parsed: &mut parsed,
                    }))?;
                    parsed.event_problems = before..parsed.problems.len();
                }
                Key::Messages => map.next_value_seed(Any(MessagesSeed {
                    parsed: &mut parsed,
                }))?,
                Key::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    parsed.unknown.note(name, |key| UnknownKey {
                        path: FieldPath::default(),
                        key,
                        place: KeyPlace::Attribute,
                    });
                }
            }
        }
        Ok(parsed)
    }
}

/// What a JSON value looks like, for problems: `"abc"`, `42`, a list, …
pub(super) fn found_str(s: &str) -> String {
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
pub(super) struct ValueSeed<'a> {
    pub(super) ty: &'a Type,
    pub(super) path: Path<'a>,
    reading: Reading<'a>,
}

/// What reading values needs besides the text: the schema, and where
/// problems and unknown keys go. Both snapshot readers hand it down to the
/// values inside a list, a record or an occurrence.
pub(super) struct Reading<'a> {
    pub(super) schema: &'a Schema,
    pub(super) problems: &'a mut Vec<Problem>,
    pub(super) unknown: &'a mut Unknown,
}

impl<'a> Reading<'a> {
    /// Reading against `schema`, into these problems and unknown keys.
    pub(super) fn new(
        schema: &'a Schema,
        problems: &'a mut Vec<Problem>,
        unknown: &'a mut Unknown,
    ) -> Reading<'a> {
        Reading {
            schema,
            problems,
            unknown,
        }
    }

    /// The same reading, lent to a part read now.
    pub(super) fn reborrow(&mut self) -> Reading<'_> {
        Reading::new(self.schema, self.problems, self.unknown)
    }

    /// A seed's path, and what it reads with.
    pub(super) fn of(seed: ValueSeed<'a>) -> (Path<'a>, Reading<'a>) {
        (seed.path, seed.reading)
    }

    /// The seed for a value of type `ty` at `path`.
    pub(super) fn seed<'b>(&'b mut self, ty: &'b Type, path: Path<'b>) -> ValueSeed<'b> {
        ValueSeed {
            ty,
            path,
            reading: self.reborrow(),
        }
    }
}

impl ValueSeed<'_> {
    /// The declared type, as the schema writes it.
    fn expected(&self) -> String {
        self.reading.schema.type_name(self.ty.required())
    }

    /// Records a problem with this value; the value reads as missing.
    fn problem(self, kind: ProblemKind) -> Value {
        self.reading
            .problems
            .push(Problem::new(self.path.to_owned(), kind));
        Value::Missing
    }

    /// Records a value of the wrong type.
    fn mismatch(self, found: String) -> Value {
        let expected = self.expected();
        self.problem(ProblemKind::WrongType { expected, found })
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reading.schema.type_name(self.ty))
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
        let ty = self.ty.required();
        let read = match ty {
            Type::String => return Ok(Value::Str(Arc::from(v))),
            Type::Time => parse_time(v).map(Value::Time),
            Type::Duration => parse_duration(v).map(Value::Duration),
            Type::Enum(id) => {
                let members = self.reading.schema.enums.get(*id as usize);
                let index = members.and_then(|m| m.iter().position(|x| x == v));
                index.map(|i| Value::Enum(*id, i as u32))
            }
            _ => return Ok(self.mismatch(found_str(v))),
        };
        if let Some(value) = read {
            return Ok(value);
        }
        // A string of the right type that does not spell a value of it.
        let (expected, found) = (self.expected(), found_str(v));
        Ok(self.problem(match ty {
            Type::Time => ProblemKind::BadTime { expected, found },
            Type::Duration => ProblemKind::BadDuration { expected, found },
            _ => ProblemKind::UnknownEnumValue { expected, found },
        }))
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
        let (path, mut reading) = Reading::of(self);
        let mut i = 0;
        while let Some(v) = seq.next_element_seed(Any(reading.seed(elem, Path::Index(&path, i))))? {
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
        let (path, mut reading) = Reading::of(self);
        let fields: &[Field] = reading
            .schema
            .records
            .get(*id as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut values: Vec<Option<Value>> = vec![None; fields.len()];
        let listing = reading.unknown.listing();
        while let Some(key) = map.next_key_seed(Any(KeyOf(Fields(fields, &[]), listing)))? {
            match key {
                FieldKeyKind::Field(i) => {
                    let Some(field) = fields.get(i) else { continue };
                    let seed = reading.seed(&field.ty, Path::Field(&path, &field.name));
                    let v = map.next_value_seed(Any(seed))?;
                    if let Some(slot) = values.get_mut(i) {
                        *slot = Some(v);
                    }
                }
                FieldKeyKind::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    reading.unknown.note(name, |key| UnknownKey {
                        path: path.to_owned(),
                        key,
                        place: KeyPlace::Field { record: *id },
                    });
                }
                FieldKeyKind::Extra(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut out = Vec::with_capacity(fields.len());
        for (field, v) in fields.iter().zip(values) {
            match v {
                Some(v) => out.push(v),
                None if field.ty.is_optional() => out.push(Value::Missing),
                None => {
                    reading.problems.push(Problem::new(
                        path.with_key(&field.name),
                        ProblemKind::MissingField {
                            expected: reading.schema.type_name(&field.ty),
                        },
                    ));
                    out.push(Value::Missing);
                }
            }
        }
        Ok(Value::Record(Arc::from(out)))
    }
}
