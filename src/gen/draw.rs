//! How each value is drawn: a plan per attribute built once from the
//! schema ([`Shape`], picked from the declared type and the name), the
//! vocabularies, and the random draws with their spreads.

use std::borrow::Cow;

use crate::program::{Message, Schema, Type};
use crate::value::{Micros, MICROS_PER_SECOND};

pub(super) const DAY_SECS: i64 = 86_400;

/// How a value is drawn; built once per schema so that generating a customer
/// never looks at names again.
#[derive(Debug, Clone)]
pub(super) enum Shape<'p> {
    /// A string from a vocabulary.
    Str(Vocab),
    /// A whole number.
    Int(Range),
    /// A number, whole or with cents.
    Number(Range),
    /// Chance of `true`, in percent.
    Bool(u32),
    /// A time in the customer's life: after sign-up, before `now`.
    Time,
    /// The customer's sign-up instant itself (a top-level time attribute
    /// named like `signed_up_at`, `signup_date`, `joined_at`, `created_at`).
    SignUp,
    Duration,
    Enum(&'p [String]),
    List(Box<Shape<'p>>),
    Record(Vec<(&'p str, Shape<'p>)>),
    Optional(Box<Shape<'p>>),
}

/// Numeric spreads chosen from a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Range {
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
pub(super) enum Vocab {
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
pub(super) const COMPANIES: &[&str] = &[
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
pub(super) const BAD_TIMEZONES: &[&str] = &["Mars/Olympus", "Europe/Atlantis", "GMT+25"];
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

/// The plan for one value of type `ty` named `name` (inside `parent`, a
/// record attribute or an event, or "" at the top level).
pub(super) fn shape<'p>(
    schema: &'p Schema,
    ty: &Type,
    name: &str,
    parent: &str,
    in_list: bool,
) -> Shape<'p> {
    match ty {
        Type::String => Shape::Str(vocab(name, parent, in_list)),
        Type::Int => Shape::Int(range(name, false)),
        Type::Number => Shape::Number(range(name, true)),
        Type::Bool => Shape::Bool(if name.ends_with("_opt_in") { 85 } else { 50 }),
        Type::Time if parent.is_empty() && !in_list && signs_up(name) => Shape::SignUp,
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

/// Whether a top-level time attribute is the customer's sign-up instant.
fn signs_up(name: &str) -> bool {
    ["signed_up", "signup", "sign_up", "registered", "joined"]
        .iter()
        .any(|w| name.contains(w))
        || name == "created_at"
}

/// The vocabulary for a string attribute, field or property, from its
/// name (and its record's name): the first rule that matches.
fn vocab(name: &str, parent: &str, in_list: bool) -> Vocab {
    let companyish = |s: &str| {
        ["company", "org", "account", "team", "workspace", "business"]
            .iter()
            .any(|w| s.contains(w))
    };
    let by_word = |words: &[(&str, Vocab)]| {
        words
            .iter()
            .find(|(word, _)| name.contains(word))
            .map(|(_, vocab)| *vocab)
    };
    if name.contains("timezone") || name == "tz" || name.ends_with("_tz") {
        Vocab::Timezone
    } else if let Some(vocab) = by_word(&[("country", Vocab::Country), ("email", Vocab::Email)]) {
        vocab
    } else if name.contains("name") {
        if companyish(name) || companyish(parent) {
            Vocab::Company
        } else {
            Vocab::FirstName
        }
    } else if in_list {
        Vocab::Tag
    } else {
        by_word(&[
            ("industry", Vocab::Industry),
            ("feature", Vocab::Feature),
            ("format", Vocab::Format),
            ("course", Vocab::Course),
        ])
        .unwrap_or(Vocab::Word)
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
pub(super) fn missing(rng: &mut fastrand::Rng) -> Option<bool> {
    match rng.u32(0..8) {
        0 => Some(true),
        1 => Some(false),
        _ => None,
    }
}

/// 40% none, 40% 1–5, 20% 6–40.
pub(super) fn occurrence_count(rng: &mut fastrand::Rng) -> usize {
    match rng.u32(0..10) {
        0..=3 => 0,
        4..=7 => rng.usize(1..=5),
        _ => rng.usize(6..=40),
    }
}

/// When a customer signed up, `now` being the end of the history: 15% in
/// the last 14 days (trials), 25% 14–90 days ago, 35% 90–400 days ago, 25%
/// 400–1,100 days ago; at least an hour before `now`.
pub(super) fn sign_up(rng: &mut fastrand::Rng, now: Micros) -> Micros {
    let ago_secs = match rng.u32(0..100) {
        0..=14 => rng.i64(3600..14 * DAY_SECS),
        15..=39 => rng.i64(14 * DAY_SECS..90 * DAY_SECS),
        40..=74 => rng.i64(90 * DAY_SECS..400 * DAY_SECS),
        _ => rng.i64(400 * DAY_SECS..1100 * DAY_SECS),
    };
    now.saturating_sub(ago_secs.saturating_mul(MICROS_PER_SECOND))
}

/// Whole seconds from `since` to `now` (at least 1).
pub(super) fn age_secs(since: Micros, now: Micros) -> i64 {
    (now.saturating_sub(since) / MICROS_PER_SECOND).max(1)
}

/// A time in a customer's life (at or after `since`, before `now`), skewed
/// toward recent: roughly half in the last 14 days, 30% 14–90 days ago,
/// 20% 90–400 days ago; a draw older than the customer is replaced by one
/// spread evenly over its life.
pub(super) fn time(rng: &mut fastrand::Rng, since: Micros, now: Micros) -> Micros {
    let age = age_secs(since, now);
    let ago_secs = match rng.u32(0..100) {
        0..=49 => rng.i64(1..14 * DAY_SECS),
        50..=79 => rng.i64(14 * DAY_SECS..90 * DAY_SECS),
        _ => rng.i64(90 * DAY_SECS..400 * DAY_SECS),
    };
    let ago_secs = if ago_secs <= age {
        ago_secs
    } else {
        rng.i64(1..=age)
    };
    now.saturating_sub(ago_secs.saturating_mul(MICROS_PER_SECOND))
}

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    rng.choice(items.iter().copied()).unwrap_or("")
}

pub(super) fn pick_message<'m>(rng: &mut fastrand::Rng, message: &'m Message) -> &'m str {
    match message {
        Message::Single(m) => m,
        Message::Variants(variants) => rng
            .choice(variants.iter())
            .map(|(m, _)| m.as_str())
            .unwrap_or(""),
    }
}

pub(super) fn vocab_words(vocab: Vocab) -> &'static [&'static str] {
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

/// A string from `vocab`.
pub(super) fn string(rng: &mut fastrand::Rng, vocab: Vocab) -> Cow<'static, str> {
    match vocab {
        Vocab::Timezone if rng.u32(0..100) < 3 => Cow::Borrowed(pick(rng, BAD_TIMEZONES)),
        Vocab::Email => {
            let user = pick(rng, EMAIL_USERS);
            let n = rng.u32(1..1000);
            let domain = pick(rng, EMAIL_DOMAINS);
            Cow::Owned(format!("{user}{n}@{domain}"))
        }
        other => Cow::Borrowed(pick(rng, vocab_words(other))),
    }
}

pub(super) fn int(rng: &mut fastrand::Rng, range: Range) -> i64 {
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

/// A number: whole, or with two decimals some of the time.
pub(super) enum Num {
    /// A whole number, written without a fraction.
    Whole(i64),
    /// A number with cents.
    Cents(f64),
}

/// A number in `range`.
pub(super) fn number(rng: &mut fastrand::Rng, range: Range) -> Num {
    let (lo, hi) = match range {
        Range::Minutes => (1, 60),
        Range::Score => (0, 100),
        Range::Small => (0, 10),
        Range::Amount => {
            // Many accounts pay nothing (trials, free plans).
            if rng.u32(0..5) == 0 {
                return Num::Whole(0);
            }
            (1, 500)
        }
    };
    let whole = rng.i64(lo..=hi);
    if rng.u32(0..10) < 4 && whole < hi {
        // Two decimals, written as the shortest round-tripping form.
        let cents = rng.i64(1..100);
        Num::Cents(whole as f64 + cents as f64 / 100.0)
    } else {
        Num::Whole(whole)
    }
}

/// A splitmix64 of the seed and the customer's index: each customer has its
/// own stream, independent of the others.
pub(super) fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
