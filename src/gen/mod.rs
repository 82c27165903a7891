//! Synthetic customers for any schema: NDJSON snapshots with realistic
//! spreads, for load tests, benchmarks and demos (`nudge gen`).
//!
//! The generator reads only the checked [`Program`]: every attribute, record
//! field, event property and list gets a value of its declared type, with a
//! distribution picked from its name where the name says something (`*_opt_in`,
//! `timezone`, `country`, `*name*`, `minutes`, `score`, `feature`, …). Every
//! customer it writes is valid for the schema; a few (0.5%) carry one unknown
//! top-level key so the unknown-key counter has something to count.
//!
//! Customers are possible in time: each signs up first (a top-level time
//! attribute named like `signed_up_at` is that instant); every other time,
//! attribute, event or sent message, falls at or after sign-up and before
//! `now`, so a churn date never precedes the sign-up and nothing lies in the
//! future.
//!
//! Output is deterministic: customer `i` depends only on the seed, `i`, `now`
//! and the program, so the same options always give byte-identical output,
//! and any single customer can be regenerated on its own
//! ([`Generator::write_customer`]).
//!
//! Values are drawn while serde_json writes them: each part of a customer is
//! a [`Serialize`] view that draws from the customer's random stream as it
//! is serialized, so a line is never built as a tree first.

mod draw;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::io::{self, Write};

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::program::{Message, Program};
use crate::value::{format_time, Micros, MICROS_PER_SECOND};
use draw::{
    age_secs, missing, mix, number, occurrence_count, pick_message, shape, sign_up, string, time,
    vocab_words, Num, Shape, DAY_SECS,
};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of customers (lines).
    pub count: u64,
    /// Same seed, same output.
    pub seed: u64,
    /// The instant the history leads up to, in microseconds since the epoch.
    pub now: Micros,
}

/// Streams `options.count` customers to `out`, one JSON object per line.
///
/// Each line is written with one `write_all`; wrap an unbuffered writer in a
/// `BufWriter` for speed. Nothing but the current line is held in memory.
pub fn generate(program: &Program, options: &GenOptions, out: &mut impl Write) -> io::Result<()> {
    let generator = Generator::new(program);
    let mut line = Vec::with_capacity(4096);
    for index in 0..options.count {
        line.clear();
        generator.write_customer(options.seed, index, options.now, &mut line);
        out.write_all(&line)?;
    }
    out.flush()
}

/// One customer as a JSON value (a convenience for tests and embedding; the
/// streaming path is [`generate`] / [`Generator::write_customer`]).
pub fn customer(program: &Program, seed: u64, index: u64, now: Micros) -> serde_json::Value {
    Generator::new(program).customer(seed, index, now)
}

/// Unknown keys put on 0.5% of customers; the first not in the schema is used.
const EXTRA_KEYS: &[&str] = &["crm_score", "crm_score_v2", "legacy_tier", "x_import_batch"];

/// A schema compiled into generation plans; reusable across customers.
#[derive(Debug, Clone)]
pub struct Generator<'p> {
    attributes: Vec<(&'p str, Shape<'p>)>,
    events: Vec<EventPlan<'p>>,
    /// (rule, channel, message) for the delivery history.
    rules: Vec<(&'p str, &'p str, &'p Message)>,
    extra_key: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct EventPlan<'p> {
    name: &'p str,
    props: Vec<(&'p str, Shape<'p>)>,
}
impl<'p> Generator<'p> {
    /// Plans generation for `program`'s schema and rules.
    pub fn new(program: &'p Program) -> Generator<'p> {
        let schema = &program.schema;
        let attributes = schema
            .attributes
            .iter()
            .map(|f| (f.name.as_str(), shape(schema, &f.ty, &f.name, "", false)))
            .collect();
        let events = schema
            .events
            .iter()
            .map(|e| EventPlan {
                name: e.name.as_str(),
                props: e
                    .props
                    .iter()
                    .map(|p| {
                        (
                            p.name.as_str(),
                            shape(schema, &p.ty, &p.name, &e.name, false),
                        )
                    })
                    .collect(),
            })
            .collect();
        let rules = program
            .rules
            .iter()
            .map(|r| (r.name.as_str(), program.channel_name(r.channel), &r.message))
            .collect();
        let extra_key = EXTRA_KEYS
            .iter()
            .copied()
            .find(|k| schema.attribute_index(k).is_none());
        Generator {
            attributes,
            events,
            rules,
            extra_key,
        }
    }

    /// Appends customer number `index` (0-based; its id is `c_{index+1:06}`)
    /// as one JSON line, newline included, to `buf`.
    pub fn write_customer(&self, seed: u64, index: u64, now: Micros, buf: &mut Vec<u8>) {
        // Whole seconds keep the output short and readable.
        let now = now - now.rem_euclid(MICROS_PER_SECOND);
        let mut rng = fastrand::Rng::with_seed(mix(seed, index));
        // The customer's life starts first: every other time is drawn in it.
        let since = sign_up(&mut rng, now);
        let draw = Draw {
            generator: self,
            rng: RefCell::new(rng),
            since,
            now,
        };
        let customer = CustomerView {
            draw: &draw,
            id: format!("c_{:06}", index.saturating_add(1)),
        };
        let start = buf.len();
        // Serializing into a `Vec` only fails on a bug in a view; a line
        // is then left out rather than written half.
        if customer
            .serialize(&mut serde_json::Serializer::new(&mut *buf))
            .is_err()
        {
            buf.truncate(start);
            return;
        }
        buf.push(b'\n');
    }

    /// Customer number `index` as a JSON value.
    pub fn customer(&self, seed: u64, index: u64, now: Micros) -> serde_json::Value {
        let mut buf = Vec::with_capacity(2048);
        self.write_customer(seed, index, now, &mut buf);
        serde_json::from_slice(&buf).unwrap_or(serde_json::Value::Null)
    }
}

/// One customer's random stream and life, shared by the views that draw
/// from it while they are serialized (in output order, so the stream is
/// consumed in the same order for the same customer).
struct Draw<'g> {
    generator: &'g Generator<'g>,
    rng: RefCell<fastrand::Rng>,
    /// When the customer signed up: no time of theirs is earlier.
    since: Micros,
    /// The end of the history: every time is earlier.
    now: Micros,
}

impl Draw<'_> {
    /// Draws from the stream (the borrow ends before anything is written).
    fn with<T>(&self, f: impl FnOnce(&mut fastrand::Rng) -> T) -> T {
        f(&mut self.rng.borrow_mut())
    }

    /// Writes the members of an object; optional ones may be `null` or left out.
    fn fields<M: SerializeMap>(
        &self,
        map: &mut M,
        fields: &[(&str, Shape<'_>)],
    ) -> Result<(), M::Error> {
        for (name, shape) in fields {
            let shape = match shape {
                Shape::Optional(inner) => match self.with(missing) {
                    // No duration spelling is accepted in snapshots yet: leave
                    // optional durations out.
                    _ if matches!(**inner, Shape::Duration) => continue,
                    Some(false) => continue,
                    Some(true) => None,
                    None => Some(&**inner),
                },
                other => Some(other),
            };
            match shape {
                Some(shape) => map.serialize_entry(name, &ValueView { draw: self, shape })?,
                None => map.serialize_entry(name, &())?,
            }
        }
        Ok(())
    }
}

/// The whole customer: id, attributes, events, messages, maybe an unknown key.
struct CustomerView<'d> {
    draw: &'d Draw<'d>,
    id: String,
}

impl Serialize for CustomerView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let draw = self.draw;
        let generator = draw.generator;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        draw.fields(&mut map, &generator.attributes)?;
        // `events` is written from the first event that has a list: a
        // missing key and an empty list both mean "never"; show both.
        for i in 0..generator.events.len() {
            let n = draw.with(occurrence_count);
            if n == 0 && draw.with(|rng| rng.u32(0..10)) != 0 {
                continue;
            }
            let events = EventsView {
                draw,
                first: i,
                first_count: n,
            };
            map.serialize_entry("events", &events)?;
            break;
        }
        if !generator.rules.is_empty() {
            let n = draw.with(|rng| rng.usize(0..=4));
            if n > 0 {
                // Sent in the last 60 days, and not before sign-up.
                let window = age_secs(draw.since, draw.now).min(60 * DAY_SECS);
                let mut sent: Vec<(Micros, usize)> = draw.with(|rng| {
                    (0..n)
                        .map(|_| {
                            let ago = rng.i64(1..=window) * MICROS_PER_SECOND;
                            (
                                draw.now.saturating_sub(ago),
                                rng.usize(0..generator.rules.len()),
                            )
                        })
                        .collect()
                });
                sent.sort_unstable();
                map.serialize_entry("messages", &MessagesView { draw, sent })?;
            }
        }
        if let Some(extra) = generator.extra_key {
            if draw.with(|rng| rng.u32(0..1000)) < 5 {
                let value = i64::from(draw.with(|rng| rng.u32(0..=10)));
                map.serialize_entry(extra, &value)?;
            }
        }
        map.end()
    }
}

/// `events`, from the first event written (whose count is already drawn).
struct EventsView<'d> {
    draw: &'d Draw<'d>,
    first: usize,
    first_count: usize,
}

impl Serialize for EventsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let draw = self.draw;
        let mut map = s.serialize_map(None)?;
        for (i, event) in draw.generator.events.iter().enumerate().skip(self.first) {
            let n = if i == self.first {
                self.first_count
            } else {
                let n = draw.with(occurrence_count);
                if n == 0 && draw.with(|rng| rng.u32(0..10)) != 0 {
                    continue;
                }
                n
            };
            map.serialize_entry(
                event.name,
                &OccurrencesView {
                    draw,
                    event,
                    count: n,
                },
            )?;
        }
        map.end()
    }
}

/// One event's occurrences, in time order.
struct OccurrencesView<'d> {
    draw: &'d Draw<'d>,
    event: &'d EventPlan<'d>,
    count: usize,
}

impl Serialize for OccurrencesView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let draw = self.draw;
        let mut times: Vec<Micros> = draw.with(|rng| {
            (0..self.count)
                .map(|_| time(rng, draw.since, draw.now))
                .collect()
        });
        times.sort_unstable();
        let mut seq = s.serialize_seq(Some(times.len()))?;
        for at in times {
            if self.event.props.is_empty() {
                seq.serialize_element(&format_time(at))?;
            } else {
                seq.serialize_element(&OccurrenceView {
                    draw,
                    props: &self.event.props,
                    at,
                })?;
            }
        }
        seq.end()
    }
}

/// One occurrence with properties: `{"at": …, …}`.
struct OccurrenceView<'d> {
    draw: &'d Draw<'d>,
    props: &'d [(&'d str, Shape<'d>)],
    at: Micros,
}

impl Serialize for OccurrenceView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("at", &format_time(self.at))?;
        self.draw.fields(&mut map, self.props)?;
        map.end()
    }
}

/// The delivery history: (time, rule) pairs already drawn and sorted.
struct MessagesView<'d> {
    draw: &'d Draw<'d>,
    sent: Vec<(Micros, usize)>,
}

impl Serialize for MessagesView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let draw = self.draw;
        let mut seq = s.serialize_seq(Some(self.sent.len()))?;
        for &(at, r) in &self.sent {
            let Some(&(rule, channel, message)) = draw.generator.rules.get(r) else {
                continue;
            };
            let message = draw.with(|rng| pick_message(rng, message));
            seq.serialize_element(&SentView {
                rule,
                message,
                channel,
                at: format_time(at),
            })?;
        }
        seq.end()
    }
}

/// One sent message, as the snapshot format writes it.
#[derive(Serialize)]
struct SentView<'a> {
    rule: &'a str,
    message: &'a str,
    channel: &'a str,
    at: String,
}

/// One value of a planned shape, drawn as it is written.
struct ValueView<'d> {
    draw: &'d Draw<'d>,
    shape: &'d Shape<'d>,
}

impl Serialize for ValueView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let draw = self.draw;
        match self.shape {
            Shape::Str(vocab) => s.serialize_str(&draw.with(|rng| string(rng, *vocab))),
            Shape::Int(range) => s.serialize_i64(draw.with(|rng| draw::int(rng, *range))),
            Shape::Number(range) => match draw.with(|rng| number(rng, *range)) {
                Num::Whole(n) => s.serialize_i64(n),
                Num::Cents(x) => s.serialize_f64(x),
            },
            Shape::Bool(p) => s.serialize_bool(draw.with(|rng| rng.u32(0..100)) < *p),
            Shape::Time => s.serialize_str(&format_time(
                draw.with(|rng| time(rng, draw.since, draw.now)),
            )),
            Shape::SignUp => s.serialize_str(&format_time(draw.since)),
            // The snapshot format has no duration literal yet; the language's own
            // spelling is the natural candidate.
            Shape::Duration => {
                s.serialize_str(&format!("{} days", draw.with(|rng| rng.u32(1..=30))))
            }
            Shape::Enum(members) => match draw.with(|rng| rng.choice(members.iter())) {
                Some(m) => s.serialize_str(m),
                None => s.serialize_unit(),
            },
            Shape::List(elem) => {
                let n = draw.with(|rng| rng.usize(0..=3));
                if let Shape::Str(vocab) = **elem {
                    // Distinct items, as a set of flags or tags would be.
                    let pool = vocab_words(vocab);
                    let items = draw.with(|rng| rng.choose_multiple(pool.iter(), n));
                    s.collect_seq(items)
                } else {
                    let mut seq = s.serialize_seq(Some(n))?;
                    for _ in 0..n {
                        seq.serialize_element(&ValueView { draw, shape: elem })?;
                    }
                    seq.end()
                }
            }
            Shape::Record(fields) => {
                let mut map = s.serialize_map(None)?;
                draw.fields(&mut map, fields)?;
                map.end()
            }
            Shape::Optional(inner) => {
                if draw.with(|rng| rng.u32(0..4)) == 0 || matches!(**inner, Shape::Duration) {
                    s.serialize_unit()
                } else {
                    ValueView { draw, shape: inner }.serialize(s)
                }
            }
        }
    }
}
