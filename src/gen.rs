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
//! Output is deterministic: customer `i` depends only on the seed, `i`, `now`
//! and the program, so the same options always give byte-identical output,
//! and any single customer can be regenerated on its own
//! ([`Generator::write_customer`]).

use std::io::{self, Write};

use crate::program::{Message, Program, Schema, Type};
use crate::value::{format_time, Micros, MICROS_PER_SECOND};

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

const DAY_SECS: i64 = 86_400;

/// How a value is drawn; built once per schema so that generating a customer
/// never looks at names again.
#[derive(Debug, Clone)]
enum Shape<'p> {
    Str(Vocab),
    Int(Range),
    Number(Range),
    /// Chance of `true`, in percent.
    Bool(u32),
    Time,
    Duration,
    Enum(&'p [String]),
    List(Box<Shape<'p>>),
    Record(Vec<(&'p str, Shape<'p>)>),
    Optional(Box<Shape<'p>>),
}

/// Numeric spreads chosen from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    /// Mostly 0–10, sometimes up to 100, rarely up to 5000.
    Small,
    /// 1–60.
    Minutes,
    /// 0–100.
    Score,
    /// 0–500, with cents some of the time.
    Amount,
}

/// String vocabularies chosen from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vocab {
    FirstName,
    Company,
    Timezone,
    Country,
    Email,
    Industry,
    Feature,
    Format,
    Course,
    /// Short tags, for `list<string>`.
    Tag,
    Word,
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Yuki", "Amara", "Mateo", "Priya", "Lars",
    "Chloé", "Omar", "Mei", "Sofia", "Kwame", "Noah",
];
const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Vandelay",
    "Wonka",
];
const TIMEZONES: &[&str] = &[
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Australia/Sydney",
    "America/Los_Angeles",
];
const BAD_TIMEZONES: &[&str] = &["Mars/Olympus", "Europe/Atlantis", "GMT+25"];
const COUNTRIES: &[&str] = &[
    "US", "FR", "DE", "GB", "JP", "BR", "IN", "AU", "CA", "ES", "NL", "SE",
];
const EMAIL_USERS: &[&str] = &[
    "ada", "grace", "alan", "linus", "yuki", "priya", "omar", "mei",
];
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "acme.test", "globex.test"];
const INDUSTRIES: &[&str] = &[
    "education",
    "retail",
    "healthcare",
    "finance",
    "media",
    "software",
    "logistics",
];
const FEATURES: &[&str] = &["export", "dashboards", "api", "alerts", "sso", "reports"];
const FORMATS: &[&str] = &["pdf", "csv", "xlsx"];
const COURSES: &[&str] = &[
    "intro-to-analytics",
    "sql-basics",
    "dashboards-101",
    "advanced-exports",
    "team-admin",
];
const TAGS: &[&str] = &["sso", "dark_mode", "api", "export", "webhooks", "audit_log"];
const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "blue", "green", "north", "south", "basic", "custom",
];

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
        let mut rng = fastrand::Rng::with_seed(mix(seed, index));
        // Whole seconds keep the output short and readable.
        let now = now - now.rem_euclid(MICROS_PER_SECOND);
        let mut w = JsonWriter { buf };

        w.raw("{\"id\":");
        w.string(&format!("c_{:06}", index.saturating_add(1)));

        fields(&mut rng, &self.attributes, now, &mut w, true);

        self.write_events(&mut rng, now, &mut w);
        self.write_messages(&mut rng, now, &mut w);

        if let Some(extra) = self.extra_key {
            if rng.u32(0..1000) < 5 {
                w.raw(",");
                w.string(extra);
                w.raw(":");
                w.int(i64::from(rng.u32(0..=10)));
            }
        }
        w.raw("}\n");
    }

    /// Customer number `index` as a JSON value.
    pub fn customer(&self, seed: u64, index: u64, now: Micros) -> serde_json::Value {
        let mut buf = Vec::with_capacity(2048);
        self.write_customer(seed, index, now, &mut buf);
        serde_json::from_slice(&buf).unwrap_or(serde_json::Value::Null)
    }

    fn write_events(&self, rng: &mut fastrand::Rng, now: Micros, w: &mut JsonWriter<'_>) {
        let mut opened = false;
        let mut times: Vec<Micros> = Vec::new();
        for event in &self.events {
            let n = occurrence_count(rng);
            // A missing key and an empty list both mean "never"; show both.
            if n == 0 && rng.u32(0..10) != 0 {
                continue;
            }
            if opened {
                w.raw(",");
            } else {
                w.raw(",\"events\":{");
                opened = true;
            }
            w.string(event.name);
            w.raw(":[");
            times.clear();
            times.extend((0..n).map(|_| time(rng, now)));
            times.sort_unstable();
            for (i, &at) in times.iter().enumerate() {
                if i > 0 {
                    w.raw(",");
                }
                if event.props.is_empty() {
                    w.time(at);
                } else {
                    w.raw("{\"at\":");
                    w.time(at);
                    fields(rng, &event.props, now, w, true);
                    w.raw("}");
                }
            }
            w.raw("]");
        }
        if opened {
            w.raw("}");
        }
    }

    fn write_messages(&self, rng: &mut fastrand::Rng, now: Micros, w: &mut JsonWriter<'_>) {
        if self.rules.is_empty() {
            return;
        }
        let n = rng.usize(0..=4);
        if n == 0 {
            return;
        }
        let mut sent: Vec<(Micros, usize)> = (0..n)
            .map(|_| {
                let ago = rng.i64(0..60 * DAY_SECS) * MICROS_PER_SECOND;
                (now - ago, rng.usize(0..self.rules.len()))
            })
            .collect();
        sent.sort_unstable();
        w.raw(",\"messages\":[");
        for (i, &(at, r)) in sent.iter().enumerate() {
            let Some(&(rule, channel, message)) = self.rules.get(r) else {
                continue;
            };
            if i > 0 {
                w.raw(",");
            }
            w.raw("{\"rule\":");
            w.string(rule);
            w.raw(",\"message\":");
            w.string(pick_message(rng, message));
            w.raw(",\"channel\":");
            w.string(channel);
            w.raw(",\"at\":");
            w.time(at);
            w.raw("}");
        }
        w.raw("]");
    }
}

/// The plan for one value of type `ty` named `name` (inside `parent`, a
/// record attribute or an event, or "" at the top level).
fn shape<'p>(schema: &'p Schema, ty: &Type, name: &str, parent: &str, in_list: bool) -> Shape<'p> {
    match ty {
        Type::String => Shape::Str(vocab(name, parent, in_list)),
        Type::Int => Shape::Int(range(name, false)),
        Type::Number => Shape::Number(range(name, true)),
        Type::Bool => Shape::Bool(if name.ends_with("_opt_in") { 85 } else { 50 }),
        Type::Time => Shape::Time,
        Type::Duration => Shape::Duration,
        Type::Enum(id) => Shape::Enum(
            schema
                .enums
                .get(*id as usize)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ),
        Type::List(elem) => Shape::List(Box::new(shape(schema, elem, name, parent, true))),
        Type::Record(id) => Shape::Record(
            schema
                .records
                .get(*id as usize)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .map(|f| (f.name.as_str(), shape(schema, &f.ty, &f.name, name, false)))
                .collect(),
        ),
        Type::Optional(inner) => {
            Shape::Optional(Box::new(shape(schema, inner, name, parent, in_list)))
        }
    }
}

fn vocab(name: &str, parent: &str, in_list: bool) -> Vocab {
    let companyish = |s: &str| {
        ["company", "org", "account", "team", "workspace", "business"]
            .iter()
            .any(|w| s.contains(w))
    };
    if name.contains("timezone") || name == "tz" || name.ends_with("_tz") {
        Vocab::Timezone
    } else if name.contains("country") {
        Vocab::Country
    } else if name.contains("email") {
        Vocab::Email
    } else if name.contains("name") {
        if companyish(name) || companyish(parent) {
            Vocab::Company
        } else {
            Vocab::FirstName
        }
    } else if in_list {
        Vocab::Tag
    } else if name.contains("industry") {
        Vocab::Industry
    } else if name.contains("feature") {
        Vocab::Feature
    } else if name.contains("format") {
        Vocab::Format
    } else if name.contains("course") {
        Vocab::Course
    } else {
        Vocab::Word
    }
}

fn range(name: &str, number: bool) -> Range {
    if name.contains("minute") {
        Range::Minutes
    } else if name.contains("score") || name.contains("percent") {
        Range::Score
    } else if number {
        Range::Amount
    } else {
        Range::Small
    }
}

/// For an optional value: `None` to generate it, `Some(true)` to write
/// `null`, `Some(false)` to leave the key out (25% missing in all).
fn missing(rng: &mut fastrand::Rng) -> Option<bool> {
    match rng.u32(0..8) {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    }
}

/// 40% none, 40% 1–5, 20% 6–40.
fn occurrence_count(rng: &mut fastrand::Rng) -> usize {
    match rng.u32(0..10) {
        0..=3 => 0,
        4..=7 => rng.usize(1..=5),
        _ => rng.usize(6..=40),
    }
}

/// A time skewed toward recent: 2% up to 3 days ahead, then roughly half in
/// the last 14 days, 30% 14–90 days ago, 20% 90–400 days ago.
fn time(rng: &mut fastrand::Rng, now: Micros) -> Micros {
    let ago_secs = match rng.u32(0..100) {
        0..=1 => -rng.i64(60..3 * DAY_SECS),
        2..=50 => rng.i64(0..14 * DAY_SECS),
        51..=80 => rng.i64(14 * DAY_SECS..90 * DAY_SECS),
        _ => rng.i64(90 * DAY_SECS..400 * DAY_SECS),
    };
    now.saturating_sub(ago_secs.saturating_mul(MICROS_PER_SECOND))
}

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    rng.choice(items.iter().copied()).unwrap_or("")
}

fn pick_message<'m>(rng: &mut fastrand::Rng, message: &'m Message) -> &'m str {
    match message {
        Message::Single(m) => m,
        Message::Variants(variants) => rng
            .choice(variants.iter())
            .map(|(m, _)| m.as_str())
            .unwrap_or(""),
    }
}

/// Writes the members of an object, each preceded by a comma when
/// `comma` (something came before it) or after the first written member.
fn fields(
    rng: &mut fastrand::Rng,
    fields: &[(&str, Shape<'_>)],
    now: Micros,
    w: &mut JsonWriter<'_>,
    mut comma: bool,
) {
    for (name, shape) in fields {
        let shape = match shape {
            Shape::Optional(inner) => match missing(rng) {
                // No duration spelling is accepted in snapshots yet: leave
                // optional durations out.
                _ if matches!(**inner, Shape::Duration) => continue,
                Some(false) => continue,
                Some(true) => None,
                None => Some(&**inner),
            },
            other => Some(other),
        };
        if comma {
            w.raw(",");
        }
        comma = true;
        w.string(name);
        w.raw(":");
        match shape {
            Some(shape) => value(rng, shape, now, w),
            None => w.raw("null"),
        }
    }
}

fn value(rng: &mut fastrand::Rng, shape: &Shape<'_>, now: Micros, w: &mut JsonWriter<'_>) {
    match shape {
        Shape::Str(vocab) => string(rng, *vocab, w),
        Shape::Int(range) => w.int(int(rng, *range)),
        Shape::Number(range) => number(rng, *range, w),
        Shape::Bool(p) => w.raw(if rng.u32(0..100) < *p {
            "true"
        } else {
            "false"
        }),
        Shape::Time => w.time(time(rng, now)),
        // The snapshot format has no duration literal yet; the language's own
        // spelling is the natural candidate.
        Shape::Duration => w.string(&format!("{} days", rng.u32(1..=30))),
        Shape::Enum(members) => match rng.choice(members.iter()) {
            Some(m) => w.string(m),
            None => w.raw("null"),
        },
        Shape::List(elem) => {
            w.raw("[");
            let n = rng.usize(0..=3);
            if let Shape::Str(vocab) = **elem {
                // Distinct items, as a set of flags or tags would be.
                let pool = vocab_words(vocab);
                for (i, item) in rng.choose_multiple(pool.iter(), n).into_iter().enumerate() {
                    if i > 0 {
                        w.raw(",");
                    }
                    w.string(item);
                }
            } else {
                for i in 0..n {
                    if i > 0 {
                        w.raw(",");
                    }
                    value(rng, elem, now, w);
                }
            }
            w.raw("]");
        }
        Shape::Record(fs) => {
            w.raw("{");
            fields(rng, fs, now, w, false);
            w.raw("}");
        }
        Shape::Optional(inner) => {
            if rng.u32(0..4) == 0 || matches!(**inner, Shape::Duration) {
                w.raw("null");
            } else {
                value(rng, inner, now, w);
            }
        }
    }
}

fn vocab_words(vocab: Vocab) -> &'static [&'static str] {
    match vocab {
        Vocab::FirstName => FIRST_NAMES,
        Vocab::Company => COMPANIES,
        Vocab::Timezone => TIMEZONES,
        Vocab::Country => COUNTRIES,
        Vocab::Email => EMAIL_USERS,
        Vocab::Industry => INDUSTRIES,
        Vocab::Feature => FEATURES,
        Vocab::Format => FORMATS,
        Vocab::Course => COURSES,
        Vocab::Tag => TAGS,
        Vocab::Word => WORDS,
    }
}

fn string(rng: &mut fastrand::Rng, vocab: Vocab, w: &mut JsonWriter<'_>) {
    match vocab {
        Vocab::Timezone if rng.u32(0..100) < 3 => w.string(pick(rng, BAD_TIMEZONES)),
        Vocab::Email => {
            let user = pick(rng, EMAIL_USERS);
            let n = rng.u32(1..1000);
            let domain = pick(rng, EMAIL_DOMAINS);
            w.string(&format!("{user}{n}@{domain}"));
        }
        other => w.string(pick(rng, vocab_words(other))),
    }
}

fn int(rng: &mut fastrand::Rng, range: Range) -> i64 {
    match range {
        Range::Minutes => rng.i64(1..=60),
        Range::Score => rng.i64(0..=100),
        Range::Small | Range::Amount => match rng.u32(0..100) {
            0..=84 => rng.i64(0..=10),
            85..=96 => rng.i64(11..=100),
            _ => rng.i64(101..=5000),
        },
    }
}

fn number(rng: &mut fastrand::Rng, range: Range, w: &mut JsonWriter<'_>) {
    let (lo, hi) = match range {
        Range::Minutes => (1, 60),
        Range::Score => (0, 100),
        Range::Small => (0, 10),
        Range::Amount => {
            // Many accounts pay nothing (trials, free plans).
            if rng.u32(0..5) == 0 {
                w.int(0);
                return;
            }
            (1, 500)
        }
    };
    let whole = rng.i64(lo..=hi);
    if rng.u32(0..10) < 4 && whole < hi {
        // Two decimals, written as the shortest round-tripping form.
        let cents = rng.i64(1..100);
        w.float(whole as f64 + cents as f64 / 100.0);
    } else {
        w.int(whole);
    }
}

/// A splitmix64 of the seed and the customer's index: each customer has its
/// own stream, independent of the others.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Appends JSON pieces to a byte buffer (writing to a `Vec` cannot fail).
struct JsonWriter<'b> {
    buf: &'b mut Vec<u8>,
}

impl JsonWriter<'_> {
    fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn int(&mut self, n: i64) {
        let _ = write!(self.buf, "{n}");
    }

    fn float(&mut self, x: f64) {
        if x.is_finite() {
            let _ = write!(self.buf, "{x}");
        } else {
            self.raw("0");
        }
    }

    fn time(&mut self, t: Micros) {
        self.buf.push(b'"');
        let _ = write!(self.buf, "{}", format_time(t));
        self.buf.push(b'"');
    }

    fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        for c in s.chars() {
            match c {
                '"' => self.raw("\\\""),
                '\\' => self.raw("\\\\"),
                '\n' => self.raw("\\n"),
                '\r' => self.raw("\\r"),
                '\t' => self.raw("\\t"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.buf, "\\u{:04x}", u32::from(c));
                }
                c => {
                    let mut tmp = [0u8; 4];
                    self.raw(c.encode_utf8(&mut tmp));
                }
            }
        }
        self.buf.push(b'"');
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::snapshot::{from_json_str, Customer};
    use crate::value::parse_time;
    use crate::Ruleset;

    fn example() -> Ruleset {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        Ruleset::load(dir).expect("the example ruleset loads")
    }

    fn now() -> Micros {
        parse_time("2026-11-12T17:30:00Z").unwrap()
    }

    fn run(program: &Program, count: u64, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        generate(
            program,
            &GenOptions {
                count,
                seed,
                now: now(),
            },
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let rules = example();
        let a = run(rules.program(), 300, 42);
        let b = run(rules.program(), 300, 42);
        let c = run(rules.program(), 300, 43);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 300);
        // A customer does not depend on the ones before it.
        let g = Generator::new(rules.program());
        let mut one = Vec::new();
        g.write_customer(42, 199, now(), &mut one);
        let line_200 = a.split(|&b| b == b'\n').nth(199).unwrap();
        assert_eq!(&one[..one.len() - 1], line_200);
    }

    #[test]
    fn every_customer_of_the_example_schema_reads_back_valid() {
        let rules = example();
        let program = rules.program();
        let out = String::from_utf8(run(program, 2000, 7)).unwrap();
        let mut unknown = 0;
        for (i, line) in out.lines().enumerate() {
            match from_json_str(program, line) {
                Ok(Customer::Valid(s)) => {
                    assert_eq!(s.id, format!("c_{:06}", i + 1));
                    unknown += s.unknown_keys;
                }
                Ok(Customer::Invalid(bad)) => {
                    panic!("line {}: invalid: {:?}\n{line}", i + 1, bad.problems)
                }
                Err(e) => panic!("line {}: rejected: {e}\n{line}", i + 1),
            }
        }
        assert!(unknown > 0, "some customers carry an unknown key");
        assert!(unknown < 40, "but only a few: {unknown}");
    }

    #[test]
    fn optional_attributes_go_missing_and_events_go_empty() {
        let rules = example();
        let program = rules.program();
        let schema = &program.schema;
        let last_seen = schema.attribute_index("last_seen_at").unwrap();
        let imported = schema.event_index("imported_data").unwrap();
        let watched = schema.event_index("watched").unwrap();
        let out = String::from_utf8(run(program, 1000, 1)).unwrap();
        let (mut missing, mut no_imports, mut no_watch, mut messages) = (0, 0, 0, 0);
        for line in out.lines() {
            let Ok(Customer::Valid(s)) = from_json_str(program, line) else {
                panic!("valid: {line}")
            };
            missing += usize::from(s.attributes[last_seen].is_missing());
            no_imports += usize::from(s.events[imported].is_empty());
            no_watch += usize::from(s.events[watched].is_empty());
            messages += s.messages.len();
            for m in &s.messages {
                assert!(m.rule.as_deref().is_some_and(|r| program.rule(r).is_some()));
                assert!(program.policy.channels.contains(&m.channel));
            }
        }
        assert!(
            (150..350).contains(&missing),
            "~25% missing, got {missing}/1000"
        );
        assert!(
            (300..500).contains(&no_imports),
            "~40% without imports, got {no_imports}/1000"
        );
        assert!(
            (300..500).contains(&no_watch),
            "~40% without watches, got {no_watch}/1000"
        );
        assert!(messages > 1000, "about 2 messages each, got {messages}");
    }

    #[test]
    fn every_shape_of_a_custom_schema_reads_back_valid() {
        let rules = Ruleset::from_sources([(
            "schema.nudge",
            r#"
schema {
  tier: "a \"quoted\" one" | "b\\c" | "plain"
  when_joined: time
  marketing_opt_in: bool
  nickname: string?
  snooze: duration?
  labels: list<string>
  scores: list<number>
  moments: list<time>?
  tiers: list<"x" | "y">
  account: { name: string, seats: int, owner: { name: string?, country: string? }? }
  people: list<{ name: string, minutes: number? }>
  event ping
  event rated { score: int, note: string? }
}
policy { channels email }
rule hello {
  when marketing_opt_in
  send email { "hello_a" 50% "hello_b" 50% }
  cooldown 7 days
}
"#,
        )])
        .expect("custom schema checks");
        let program = rules.program();
        let out = String::from_utf8(run(program, 500, 9)).unwrap();
        for line in out.lines() {
            match from_json_str(program, line) {
                Ok(Customer::Valid(_)) => {}
                other => panic!("{other:?}\n{line}"),
            }
        }
        assert!(out.contains("\"hello_a\"") && out.contains("\"hello_b\""));
        assert!(out.contains("a \\\"quoted\\\" one"));
    }

    #[test]
    fn names_pick_their_vocabularies() {
        let rules = example();
        let program = rules.program();
        let out = String::from_utf8(run(program, 2000, 3)).unwrap();
        assert!(out.contains("\"timezone\":\"Europe/Paris\""));
        assert!(BAD_TIMEZONES
            .iter()
            .any(|z| out.contains(&format!("\"timezone\":\"{z}\""))));
        assert!(out.contains("\"feature\":\"dashboards\""));
        assert!(out.contains("\"format\":\"xlsx\""));
        let v = customer(program, 3, 0, now());
        assert_eq!(v["id"], "c_000001");
        assert!(COMPANIES.contains(&v["company"]["name"].as_str().unwrap()));
    }
}
