//! The fast reader of one customer line: a JSON scanner that knows the
//! schema and reads the common case straight into [`Parsed`] — every key
//! known (or an unknown one, skipped and counted), every value of its
//! declared type, strings without escapes, numbers that convert exactly.
//!
//! Whatever it is not sure of — a syntax error, an escape, a number it
//! cannot convert exactly as serde_json does, anything that would be a
//! problem with the snapshot — it leaves to the serde reader
//! ([`super::seed`]), which reads the line again from the start and is the
//! one source of every problem and error message. So the scanner only has
//! to agree with serde on the lines it accepts; the tests in
//! `snapshot/scan_tests.rs` (every example customer, edge cases, thousands
//! of edited customers) and the `snapshot_line` fuzz target compare the
//! two on every input.
//!
//! Why it exists: reading the example's 2.5 KB customer lines cost 83k
//! instructions through serde's visitors (`deserialize_any` dispatch,
//! strings copied to be compared) and costs 52k through the scanner
//! (docs/performance.md).

use std::sync::Arc;

use serde::de::Visitor;

use super::history::{MESSAGE_KEYS, TAGS_KEY};
use super::problem::{FieldPath, KeyPlace, UnknownKey};
use super::seed::{Parsed, Path, Reading, Unknown, ValueSeed};
use super::{EventLog, SentMessage};
use crate::json_text::next_special;
use crate::program::{EventDef, Field, Schema, Type};
use crate::value::{TimeReader, Value};

/// Deepest nesting the scanner follows; serde_json's own limit is 128, so
/// anything near it goes to serde, which reports it.
const MAX_DEPTH: usize = 64;

/// Powers of ten that are exact in an `f64` (serde_json's table starts
/// with the same values).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The scanner leaves this line to the serde reader.
struct Fallback;

type Scan<T> = Result<T, Fallback>;

/// The error type the value visitors are called with; they never fail.
type NeverFails = serde::de::value::Error;

/// Reads one customer object (and nothing after it) the fast way, or
/// `None` when the serde reader must read it: the result is then exactly
/// what the serde reader gives, and it has no problems.
pub(super) fn customer(schema: &Schema, text: &str) -> Option<Parsed> {
    let mut scanner = Scanner {
        text,
        pos: 0,
        times: TimeReader::default(),
    };
    let parsed = scanner.customer(schema).ok()?;
    parsed.problems.is_empty().then_some(parsed)
}

/// A JSON number as serde_json hands it to a visitor.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

/// A position in the line.
struct Scanner<'t> {
    text: &'t str,
    pos: usize,
    /// The line's timestamps, read remembering the last day.
    times: TimeReader,
}

impl<'t> Scanner<'t> {
    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn next_token(&mut self) -> Scan<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(b);
            }
            self.pos += 1;
        }
        Err(Fallback)
    }

    /// Consumes `byte`, after whitespace.
    fn eat(&mut self, byte: u8) -> Scan<()> {
        if self.next_token()? != byte {
            return Err(Fallback);
        }
        self.pos += 1;
        Ok(())
    }

    /// Consumes `word` (`true`, `false`, `null`) at the position.
    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        let rest = self.bytes().get(self.pos..).ok_or(Fallback)?;
        if !rest.starts_with(word) {
            return Err(Fallback);
        }
        self.pos += word.len();
        Ok(())
    }

    /// Consumes `null` if that is the next value.
    fn null(&mut self) -> Scan<bool> {
        if self.next_token()? != b'n' {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    /// A string without escapes or control characters, borrowed; either
    /// goes to serde (an escape to undo, a control character to report).
    fn string(&mut self) -> Scan<&'t str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = next_special(self.bytes(), start).ok_or(Fallback)?;
        if self.bytes().get(end) != Some(&b'"') {
            return Err(Fallback);
        }
        self.pos = end + 1;
        // Both ends are ASCII quotes, so these are character boundaries.
        self.text.get(start..end).ok_or(Fallback)
    }

    /// A string `"YYYY-MM-DDTHH:MM:SSZ"` (a valid one) at the position,
    /// read without looking for escapes: its twenty bytes are digits and
    /// `-T:Z`. Anything else is left where it is.
    fn utc_time(&mut self) -> Option<crate::value::Micros> {
        let quoted = self.bytes().get(self.pos..self.pos + 22)?;
        let (&[b'"'], rest) = quoted.split_at_checked(1)? else {
            return None;
        };
        let (time, &[b'"']) = rest.split_at_checked(20)? else {
            return None;
        };
        let at = self.times.read_utc(time.try_into().ok()?)?;
        self.pos += 22;
        Some(at)
    }

    /// An object's entries: `entry` gets each key with the scanner at the
    /// value, which it must consume.
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &'t str) -> Scan<()>) -> Scan<()> {
        self.items(b'{', b'}', |s, _| {
            let key = s.string()?;
            s.eat(b':')?;
            entry(s, key)
        })
    }

    /// An array's elements: `element` gets each index with the scanner at
    /// the element, which it must consume.
    fn array(&mut self, element: impl FnMut(&mut Self, usize) -> Scan<()>) -> Scan<()> {
        self.items(b'[', b']', element)
    }

    /// Comma-separated items between `open` and `close`, each read by
    /// `item` with its index.
    fn items(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self, usize) -> Scan<()>,
    ) -> Scan<()> {
        self.eat(open)?;
        if self.next_token()? == close {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            item(self, index)?;
            index += 1;
            match self.next_token()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// Any JSON value, checked as strictly as serde_json checks it, and
    /// dropped.
    fn skip(&mut self, depth: usize) -> Scan<()> {
        if depth > MAX_DEPTH {
            return Err(Fallback);
        }
        match self.next_token()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|s, _| s.skip(depth + 1)),
            b'[' => self.array(|s, _| s.skip(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// A number, read by JSON's grammar and converted as serde_json
    /// converts it. A float whose conversion is one exact operation
    /// (significand ≤ 2⁵³, power of ten ≤ 10²², so every float parser
    /// agrees on it) is converted here; any other is given to serde_json.
    fn number(&mut self) -> Scan<Number> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = start;
        let digit = |i: usize| match bytes.get(i) {
            Some(&b @ b'0'..=b'9') => Some(u64::from(b - b'0')),
            _ => None,
        };
        let positive = bytes.get(i) != Some(&b'-');
        if !positive {
            i += 1;
        }
        let mut significand: u64 = match digit(i) {
            Some(0) if digit(i + 1).is_some() => return Err(Fallback),
            Some(d) => d,
            None => return Err(Fallback),
        };
        i += 1;
        if significand != 0 {
            while let Some(d) = digit(i) {
                significand = significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(d))
                    .ok_or(Fallback)?;
                i += 1;
            }
        }
        let mut exponent: i64 = 0;
        let mut float = false;
        if bytes.get(i) == Some(&b'.') {
            float = true;
            i += 1;
            let start = i;
            while let Some(d) = digit(i) {
                significand = significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(d))
                    .ok_or(Fallback)?;
                exponent -= 1;
                i += 1;
            }
            if i == start {
                return Err(Fallback);
            }
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            float = true;
            i += 1;
            let negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            let mut written: i64 = 0;
            while let Some(d) = digit(i) {
                written = written * 10 + d as i64;
                if written > 1000 {
                    return Err(Fallback);
                }
                i += 1;
            }
            if i == start {
                return Err(Fallback);
            }
            exponent += if negative { -written } else { written };
        }
        self.pos = i;
        if !float {
            if positive {
                return Ok(Number::U64(significand));
            }
            // serde_json reads `-0`, and a negative beyond i64, as a float.
            let negated = (significand as i64).wrapping_neg();
            return Ok(if negated >= 0 {
                Number::F64(-(significand as f64))
            } else {
                Number::I64(negated)
            });
        }
        let power = POW10
            .get(exponent.unsigned_abs() as usize)
            .filter(|_| significand <= 1 << 53);
        let Some(power) = power else {
            // Not one exact operation: serde_json's own conversion.
            let token = self.text.get(start..i).ok_or(Fallback)?;
            return serde_json::from_str(token)
                .map(Number::F64)
                .map_err(|_| Fallback);
        };
        let magnitude = if exponent >= 0 {
            significand as f64 * power
        } else {
            significand as f64 / power
        };
        Ok(Number::F64(if positive { magnitude } else { -magnitude }))
    }

    /// A value of the seed's type, converted by the seed itself (the serde
    /// reader's own visitor), so both readers give the same value.
    fn value(&mut self, seed: ValueSeed<'_>, depth: usize) -> Scan<Value> {
        if depth > MAX_DEPTH {
            return Err(Fallback);
        }
        let value = match self.next_token()? {
            b'"' if *seed.ty.required() == Type::Time => {
                if let Some(at) = self.utc_time() {
                    return Ok(Value::Time(at));
                }
                let text = self.string()?;
                return self.times.read(text).map(Value::Time).ok_or(Fallback);
            }
            b'"' => {
                let text = self.string()?;
                seed.visit_str::<NeverFails>(text)
            }
            b't' => {
                self.literal(b"true")?;
                seed.visit_bool::<NeverFails>(true)
            }
            b'f' => {
                self.literal(b"false")?;
                seed.visit_bool::<NeverFails>(false)
            }
            b'n' => {
                self.literal(b"null")?;
                seed.visit_unit::<NeverFails>()
            }
            b'[' => return self.list(seed, depth),
            b'{' => return self.record(seed, depth),
            _ => match self.number()? {
                Number::U64(v) => seed.visit_u64::<NeverFails>(v),
                Number::I64(v) => seed.visit_i64::<NeverFails>(v),
                Number::F64(v) => seed.visit_f64::<NeverFails>(v),
            },
        };
        value.map_err(|_| Fallback)
    }

    /// A `list<T>` (any other type met with a list goes to serde).
    fn list(&mut self, seed: ValueSeed<'_>, depth: usize) -> Scan<Value> {
        let Type::List(elem) = seed.ty.required() else {
            return Err(Fallback);
        };
        let (path, mut reading) = Reading::of(seed);
        let mut items = Vec::new();
        self.array(|s, i| {
            let item = reading.seed(elem, Path::Index(&path, i));
            items.push(s.value(item, depth + 1)?);
            Ok(())
        })?;
        Ok(Value::List(Arc::from(items)))
    }

    /// A record's fields, in the record type's order; unknown fields are
    /// counted as the serde reader counts them.
    fn record(&mut self, seed: ValueSeed<'_>, depth: usize) -> Scan<Value> {
        let Type::Record(id) = seed.ty.required() else {
            return Err(Fallback);
        };
        let (path, mut reading) = Reading::of(seed);
        let fields = reading.schema.records.get(*id as usize).ok_or(Fallback)?;
        let mut values: Vec<Option<Value>> = vec![None; fields.len()];
        let place = KeyPlace::Field { record: *id };
        self.object(|s, key| {
            let found = s.field(&mut reading, fields, key, path, place, depth + 1)?;
            if let Some((i, value)) = found {
                if let Some(slot) = values.get_mut(i) {
                    *slot = Some(value);
                }
            }
            Ok(())
        })?;
        let mut out = Vec::with_capacity(fields.len());
        for (field, value) in fields.iter().zip(values) {
            match value {
                Some(v) => out.push(v),
                None if field.ty.is_optional() => out.push(Value::Missing),
                None => return Err(Fallback),
            }
        }
        Ok(Value::Record(Arc::from(out)))
    }

    /// The value of `key` in an object of `fields` at `path`, with the
    /// field's index; an unknown key's value is skipped and the key counted
    /// (at `place`) as the serde reader counts it.
    fn field(
        &mut self,
        reading: &mut Reading<'_>,
        fields: &[Field],
        key: &str,
        path: Path<'_>,
        place: KeyPlace,
        depth: usize,
    ) -> Scan<Option<(usize, Value)>> {
        let Some((i, field)) = fields.iter().enumerate().find(|(_, f)| f.name == key) else {
            self.skip(depth)?;
            note_unknown(reading.unknown, key, || path.to_owned(), place);
            return Ok(None);
        };
        let value = self.value(
            reading.seed(&field.ty, Path::Field(&path, &field.name)),
            depth,
        )?;
        Ok(Some((i, value)))
    }

    /// The customer object, then only whitespace.
    fn customer(&mut self, schema: &Schema) -> Scan<Parsed> {
        let mut parsed = Parsed::new(schema, false);
        self.object(|s, key| {
            match key {
                "id" => parsed.id = Some(s.string()?.to_string()),
                "events" => s.events(schema, &mut parsed)?,
                "messages" => s.messages(&mut parsed)?,
                _ => match schema.attribute_index(key) {
                    Some(slot) => {
                        let field = schema.attributes.get(slot).ok_or(Fallback)?;
                        let mut reading = parsed.reading(schema);
                        let value = s.value(reading.seed(&field.ty, Path::Root(&field.name)), 1)?;
                        if let Some(slot) = parsed.attributes.get_mut(slot) {
                            *slot = Some(value);
                        }
                    }
                    None => {
                        s.skip(1)?;
                        let place = KeyPlace::Attribute;
                        note_unknown(&mut parsed.unknown, key, FieldPath::default, place);
                    }
                },
            }
            Ok(())
        })?;
        let rest = self.bytes().get(self.pos..).ok_or(Fallback)?;
        if !rest
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Err(Fallback);
        }
        Ok(parsed)
    }

    /// `events`: each known event's occurrences replace its log.
    fn events(&mut self, schema: &Schema, parsed: &mut Parsed) -> Scan<()> {
        if self.null()? {
            return Ok(());
        }
        let before = parsed.problems.len();
        self.object(|s, name| {
            let Some(e) = schema.event_index(name) else {
                s.skip(2)?;
                let path = || FieldPath::keys(["events"]);
                note_unknown(&mut parsed.unknown, name, path, KeyPlace::Event);
                return Ok(());
            };
            let (Some(def), Some(log)) = (schema.events.get(e), parsed.events.get_mut(e)) else {
                return Err(Fallback);
            };
            if s.null()? {
                return Ok(());
            }
            // A repeated key replaces the earlier list, as in the serde reader.
            log.at.clear();
            log.props.clear();
            let mut occurrences = Occurrences {
                event: e,
                def,
                log,
                reading: Reading::new(schema, &mut parsed.problems, &mut parsed.unknown),
            };
            s.array(|s, index| occurrences.read(s, index))
        })?;
        parsed.event_problems = before..parsed.problems.len();
        Ok(())
    }

    /// `messages`: the delivery history, appended.
    fn messages(&mut self, parsed: &mut Parsed) -> Scan<()> {
        if self.null()? {
            return Ok(());
        }
        self.array(|s, _| {
            let message = s.message()?;
            parsed.messages.push(message);
            Ok(())
        })
    }

    /// One well-formed `messages` entry.
    fn message(&mut self) -> Scan<SentMessage> {
        let mut fields: [Option<String>; 4] = [None, None, None, None];
        let mut tags = None;
        self.object(|s, key| {
            match MESSAGE_KEYS.iter().position(|k| *k == key) {
                Some(TAGS_KEY) => tags = s.tags()?,
                Some(i) => {
                    let text = s.text()?;
                    if let Some(slot) = fields.get_mut(i) {
                        *slot = text;
                    }
                }
                None => s.skip(3)?,
            }
            Ok(())
        })?;
        let [rule, message, channel, at] = fields;
        let (Some(message), Some(channel), Some(at)) = (message, channel, at) else {
            return Err(Fallback);
        };
        Ok(SentMessage {
            rule,
            message,
            channel,
            at: self.times.read(&at).ok_or(Fallback)?,
            tags,
            held_out: false,
        })
    }

    /// A history entry's text field: a string, or `null` for none.
    fn text(&mut self) -> Scan<Option<String>> {
        if self.null()? {
            return Ok(None);
        }
        Ok(Some(self.string()?.to_string()))
    }

    /// A history entry's `tags`: a list of strings, or `null` for none.
    fn tags(&mut self) -> Scan<Option<Vec<String>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut tags = Vec::new();
        self.array(|s, _| {
            tags.push(s.string()?.to_string());
            Ok(())
        })?;
        Ok(Some(tags))
    }
}

/// Counts an unknown key as the serde reader does (it is not listed: the
/// scanner reads only for evaluation).
fn note_unknown(
    unknown: &mut Unknown,
    key: &str,
    path: impl FnOnce() -> FieldPath,
    place: KeyPlace,
) {
    unknown.note(Some(key.to_string()), |key| UnknownKey {
        path: path(),
        key,
        place,
    });
}

/// One event's occurrences being read into its log.
struct Occurrences<'a> {
    event: usize,
    def: &'a EventDef,
    log: &'a mut EventLog,
    reading: Reading<'a>,
}

impl Occurrences<'_> {
    /// One occurrence: a bare time (when every property is optional) or an
    /// object with `at` and the properties.
    fn read(&mut self, s: &mut Scanner<'_>, index: usize) -> Scan<()> {
        let width = self.def.props.len();
        if s.next_token()? == b'"' {
            // A bare time stands for an occurrence without properties.
            if !self.def.props.iter().all(|p| p.ty.is_optional()) {
                return Err(Fallback);
            }
            let at = match s.utc_time() {
                Some(at) => at,
                None => {
                    let text = s.string()?;
                    s.times.read(text).ok_or(Fallback)?
                }
            };
            self.log.at.push(at);
            self.log
                .props
                .extend(std::iter::repeat_n(Value::Missing, width));
            return Ok(());
        }
        let events = Path::Root("events");
        let event = Path::Field(&events, &self.def.name);
        let path = Path::Index(&event, index);
        let base = self.log.props.len();
        self.log
            .props
            .extend(std::iter::repeat_n(Value::Missing, width));
        let mut at = None;
        let mut set: u64 = 0;
        let place = KeyPlace::Property { event: self.event };
        let props = &self.def.props;
        let (log, reading) = (&mut *self.log, &mut self.reading);
        s.object(|s, key| {
            if key == "at" {
                let seed = reading.seed(&Type::Time, Path::Field(&path, "at"));
                let Value::Time(t) = s.value(seed, 4)? else {
                    return Err(Fallback);
                };
                at = Some(t);
                return Ok(());
            }
            if let Some((i, value)) = s.field(reading, props, key, path, place, 4)? {
                if let Some(cell) = log.props.get_mut(base + i) {
                    *cell = value;
                }
                set |= 1u64.checked_shl(i as u32).unwrap_or(0);
            }
            Ok(())
        })?;
        // The serde reader's test, to the letter (a property past the 64th
        // is never marked set).
        let complete = props
            .iter()
            .enumerate()
            .all(|(i, p)| p.ty.is_optional() || set & 1u64.checked_shl(i as u32).unwrap_or(0) != 0);
        match at {
            Some(at) if complete => {
                self.log.at.push(at);
                Ok(())
            }
            _ => Err(Fallback),
        }
    }
}
