//! The customer's history as the schema-driven deserializer reads it:
//! `events` (each event's occurrences, with their properties) and
//! `messages` (the delivery history). Malformed entries become problems.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::problem::{FieldPath, KeyPlace, Problem, ProblemKind, Step, UnknownKey};
use super::seed::{found_str, FieldKeyKind, Fields, KeyOf, KeySet, Parsed, Path, Reading, Unknown};
use super::{EventLog, SentMessage};
use crate::program::{Field, Schema, Type};
use crate::value::{parse_time, Value};
use crate::visitor::{scalars, Any, Scalar};

/// The `expecting` and `visit_unit` methods of the visitor of a part of
/// the history (`events`, an event's occurrences, `messages`) that reads
/// `what`: `null` is an empty part, as if the key were absent.
macro_rules! part_of_history {
    ($what:literal) => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str($what)
        }

        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
    };
}

/// `events`: a map from event name to its occurrences.
pub(super) struct EventsSeed<'a> {
    pub(super) schema: &'a Schema,
    pub(super) parsed: &'a mut Parsed,
}

/// The schema's event names: an event's slot, or else the name.
struct EventNames<'s>(&'s Schema);

impl KeySet for EventNames<'_> {
    type Kind = Result<usize, Option<String>>;
    const EXPECTING: &'static str = "an event name";
    fn known(&self, key: &str) -> Option<Self::Kind> {
        self.0.event_index(key).map(Ok)
    }
    fn unknown(name: String) -> Self::Kind {
        Err(Some(name))
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_> {
    type Value = ();

    part_of_history!("an object mapping event names to occurrence lists");

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let listing = self.parsed.unknown.listing();
        while let Some(event) = map.next_key_seed(Any(KeyOf(EventNames(self.schema), listing)))? {
            match event {
                Ok(e) => {
                    let Some(log) = self.parsed.events.get_mut(e) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    let (problems, unknown) = (&mut self.parsed.problems, &mut self.parsed.unknown);
                    map.next_value_seed(Any(OccurrencesSeed {
                        event: e,
                        log,
                        reading: Reading::new(self.schema, problems, unknown),
                    }))?;
                }
                Err(name) => {
                    map.next_value::<IgnoredAny>()?;
                    self.parsed.unknown.note(name, |key| UnknownKey {
                        path: FieldPath::keys(["events"]),
                        key,
                        place: KeyPlace::Event,
                    });
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.parsed
            .problem_at(["events"], ProblemKind::EventsNotAnObject);
        Ok(())
    }
}

struct OccurrencesSeed<'a> {
    event: usize,
    log: &'a mut EventLog,
    reading: Reading<'a>,
}

impl<'de> Visitor<'de> for OccurrencesSeed<'_> {
    type Value = ();

    part_of_history!("a list of occurrences");

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let Some(def) = self.reading.schema.events.get(self.event) else {
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
            .next_element_seed(Any(OccurrenceSeed {
                event: self.event,
                props: &def.props,
                log: self.log,
                path: Path::Index(&Path::Field(&Path::Root("events"), &def.name), index),
                reading: self.reading.reborrow(),
            }))?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        let name = self
            .reading
            .schema
            .events
            .get(self.event)
            .map(|e| e.name.as_str())
            .unwrap_or("?");
        self.reading.problems.push(Problem::new(
            FieldPath::keys(["events", name]),
            ProblemKind::OccurrencesNotAList,
        ));
        Ok(())
    }
}

/// One occurrence: a time string, or an object with `at` and properties.
/// It is appended to the event's log; a bad one is a problem and leaves the
/// log as it was.
struct OccurrenceSeed<'a> {
    /// The event's slot.
    event: usize,
    props: &'a [Field],
    log: &'a mut EventLog,
    path: Path<'a>,
    reading: Reading<'a>,
}

impl OccurrenceSeed<'_> {
    fn problem(self, kind: ProblemKind) {
        self.reading
            .problems
            .push(Problem::new(self.path.to_owned(), kind));
    }

    /// A bare time (for an event whose properties are all optional); any
    /// other scalar is not an occurrence.
    fn scalar<E: de::Error>(self, v: Scalar<'_>) -> Result<(), E> {
        let Scalar::Str(v) = v else {
            self.problem(ProblemKind::NotAnOccurrence {
                found: v.to_string(),
            });
            return Ok(());
        };
        if !self.props.iter().all(|p| p.ty.is_optional()) {
            let properties = self.props.iter().map(|p| p.name.clone()).collect();
            self.problem(ProblemKind::BareTime { properties });
            return Ok(());
        }
        match parse_time(v) {
            Some(at) => {
                self.log.at.push(at);
                self.log
                    .props
                    .extend(std::iter::repeat_n(Value::Missing, self.props.len()));
            }
            None => self.problem(ProblemKind::BadOccurrenceTime {
                found: found_str(v),
            }),
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for OccurrenceSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time or an object with `at`")
    }

    scalars!();

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut at = None;
        let mut at_problem = false;
        // Properties go straight into the log; unset ones are marked here.
        let base = self.log.props.len();
        self.log
            .props
            .extend(std::iter::repeat_n(Value::Missing, self.props.len()));
        let mut set: u64 = 0;
        let listing = self.reading.unknown.listing();
        while let Some(key) = map.next_key_seed(Any(KeyOf(Fields(self.props, &["at"]), listing)))? {
            match key {
                FieldKeyKind::Extra(_) => {
                    let seed = self
                        .reading
                        .seed(&Type::Time, Path::Field(&self.path, "at"));
                    let v = map.next_value_seed(Any(seed))?;
                    match v {
                        Value::Time(t) => at = Some(t),
                        _ => at_problem = true,
                    }
                }
                FieldKeyKind::Field(i) => {
                    let Some(prop) = self.props.get(i) else {
                        continue;
                    };
                    let seed = self
                        .reading
                        .seed(&prop.ty, Path::Field(&self.path, &prop.name));
                    let v = map.next_value_seed(Any(seed))?;
                    if let Some(slot) = self.log.props.get_mut(base + i) {
                        *slot = v;
                    }
                    set |= 1u64.checked_shl(i as u32).unwrap_or(0);
                }
                FieldKeyKind::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    let (path, event) = (self.path, self.event);
                    self.reading.unknown.note(name, |key| UnknownKey {
                        path: path.to_owned(),
                        key,
                        place: KeyPlace::Property { event },
                    });
                }
            }
        }
        let missing: Vec<String> = self
            .props
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                !p.ty.is_optional() && set & 1u64.checked_shl(*i as u32).unwrap_or(0) == 0
            })
            .map(|(_, p)| p.name.clone())
            .collect();
        let Some(at) = at.filter(|_| missing.is_empty()) else {
            self.log.props.truncate(base);
            if at_problem {
                return Ok(());
            }
            self.problem(if missing.is_empty() {
                ProblemKind::MissingOccurrenceTime
            } else {
                ProblemKind::MissingProperties { names: missing }
            });
            return Ok(());
        };
        self.log.at.push(at);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.problem(ProblemKind::NotAnOccurrence {
            found: String::from("a list"),
        });
        Ok(())
    }
}

/// `messages`: the delivery history.
pub(super) struct MessagesSeed<'a> {
    pub(super) parsed: &'a mut Parsed,
}

impl<'de> Visitor<'de> for MessagesSeed<'_> {
    type Value = ();

    part_of_history!("a list of sent messages");

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(entry) = seq.next_element_seed(Any(MessageSeed {
            index: i,
            unknown: &mut self.parsed.unknown,
        }))? {
            match entry {
                Ok(m) => self.parsed.messages.push(m),
                Err(kind) => self.parsed.problems.push(Problem::new(
                    FieldPath(vec![Step::Key(String::from("messages")), Step::Index(i)]),
                    kind,
                )),
            }
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.parsed
            .problem_at(["messages"], ProblemKind::MessagesNotAList);
        Ok(())
    }
}

/// One history entry, read field by field; a malformed entry becomes a
/// problem, never a failure of the whole customer. Unknown keys are listed
/// when asked, but not counted (the count is of schema keys).
struct MessageSeed<'a> {
    index: usize,
    unknown: &'a mut Unknown,
}

/// A string field of a history entry (anything else is remembered as wrong).
struct TextSeed;

impl TextSeed {
    fn scalar<E: de::Error>(self, v: Scalar<'_>) -> Result<Option<String>, E> {
        Ok(match v {
            Scalar::Str(v) => Some(v.to_string()),
            _ => None,
        })
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    scalars!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A `messages` entry's `tags` (12.7): a list of strings; anything else
/// is read as no tags (the entry then counts by its rule's tags).
struct TagsSeed;

impl TagsSeed {
    fn scalar<E: de::Error>(self, _: Scalar<'_>) -> Result<Option<Vec<String>>, E> {
        Ok(None)
    }
}

impl<'de> Visitor<'de> for TagsSeed {
    type Value = Option<Vec<String>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of tags")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut tags = Vec::new();
        while let Some(tag) = seq.next_element_seed(Any(TextSeed))? {
            tags.extend(tag);
        }
        Ok(Some(tags))
    }
    scalars!();
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// The keys of a `messages` entry.
pub const MESSAGE_KEYS: [&str; 5] = ["rule", "message", "channel", "at", "tags"];

/// The index of `tags` in [`MESSAGE_KEYS`].
pub(super) const TAGS_KEY: usize = 4;

impl MessageSeed<'_> {
    fn scalar<E: de::Error>(self, _: Scalar<'_>) -> Result<Result<SentMessage, ProblemKind>, E> {
        Ok(Err(ProblemKind::MessageShape))
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_> {
    type Value = Result<SentMessage, ProblemKind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sent message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields: [Option<String>; 4] = [None, None, None, None];
        let mut tags = None;
        let listing = self.unknown.listing();
        while let Some(key) = map.next_key_seed(Any(KeyOf(Fields(&[], &MESSAGE_KEYS), listing)))? {
            match key {
                FieldKeyKind::Extra(TAGS_KEY) => tags = map.next_value_seed(Any(TagsSeed))?,
                FieldKeyKind::Extra(i) => {
                    let value = map.next_value_seed(Any(TextSeed))?;
                    if let Some(slot) = fields.get_mut(i) {
                        *slot = value;
                    }
                }
                FieldKeyKind::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    let index = self.index;
                    self.unknown.list(name, |key| UnknownKey {
                        path: FieldPath(vec![
                            Step::Key(String::from("messages")),
                            Step::Index(index),
                        ]),
                        key,
                        place: KeyPlace::MessageKey,
                    });
                }
                FieldKeyKind::Field(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let [rule, message, channel, at] = fields;
        let (Some(message), Some(channel), Some(at)) = (message, channel, at) else {
            return Ok(Err(ProblemKind::MessageShape));
        };
        Ok(match parse_time(&at) {
            Some(at) => Ok(SentMessage {
                rule,
                message,
                channel,
                at,
                tags,
                held_out: false,
            }),
            None => Err(ProblemKind::BadMessageTime {
                found: found_str(&at),
            }),
        })
    }

    scalars!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(ProblemKind::MessageShape))
    }
}
