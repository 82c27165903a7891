//! The checked, compiled form of a ruleset: attributes and events as slot
//! indices, expressions as a small tree over slots, rules in arbitration
//! order, and the policy. Nothing here refers to source text by position.

pub mod builtins;
pub mod ops;
pub mod walk;
pub mod window;

use chrono_tz::Tz;

pub use ops::{AggregateKind, ArithOp, Builtin, CompareOp, DurationUnit};

use crate::value::{Micros, Value};

/// A static type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `string`
    String,
    /// `int`
    Int,
    /// `number`
    Number,
    /// `bool`
    Bool,
    /// `time`
    Time,
    /// `duration`
    Duration,
    /// Index into [`Schema::enums`].
    Enum(u32),
    /// `list<T>`
    List(Box<Type>),
    /// Index into [`Schema::records`].
    Record(u32),
    /// `T?`: the value may be missing.
    Optional(Box<Type>),
}

impl Type {
    /// Whether values of the type may be missing.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }

    /// `int` or `number`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Number)
    }

    /// The type without its optional marker.
    pub fn required(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            t => t,
        }
    }
}

/// A named, typed slot: an attribute, a record field or an event property.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name.
    pub name: String,
    /// The type.
    pub ty: Type,
}

/// An event of the schema and its properties.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDef {
    /// The event's name.
    pub name: String,
    /// Its properties, in declaration order.
    pub props: Vec<Field>,
}

/// The customer schema with every name resolved to an index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The attributes, in slot order.
    pub attributes: Vec<Field>,
    /// The events, in slot order.
    pub events: Vec<EventDef>,
    /// Each enum's members, in declaration order.
    pub enums: Vec<Vec<String>>,
    /// The fields of each record type, by record id.
    pub records: Vec<Vec<Field>>,
    /// Attribute slots grouped by name length, for reading snapshots:
    /// a key is compared only with names of its own length.
    pub attributes_by_length: Vec<Vec<u32>>,
    /// The enum of [`WEEKDAYS`] in [`Schema::enums`], once a rule calls
    /// `local_weekday`.
    pub weekday: Option<u32>,
}

impl Schema {
    /// Builds [`Schema::attributes_by_length`] (call once attributes are final).
    pub fn index_names(&mut self) {
        let longest = self
            .attributes
            .iter()
            .map(|a| a.name.len())
            .max()
            .unwrap_or(0);
        let mut by_length = vec![Vec::new(); longest + 1];
        for (i, a) in self.attributes.iter().enumerate() {
            if let Some(bucket) = by_length.get_mut(a.name.len()) {
                bucket.push(i as u32);
            }
        }
        self.attributes_by_length = by_length;
    }

    /// The slot of an attribute.
    pub fn attribute_index(&self, name: &str) -> Option<usize> {
        match self.attributes_by_length.get(name.len()) {
            Some(bucket) if !self.attributes_by_length.is_empty() => bucket
                .iter()
                .map(|i| *i as usize)
                .find(|i| self.attributes.get(*i).is_some_and(|a| a.name == name)),
            _ if self.attributes_by_length.is_empty() => {
                self.attributes.iter().position(|a| a.name == name)
            }
            _ => None,
        }
    }

    /// The slot of an event.
    pub fn event_index(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }

    /// A type as users write it: `time?`, `list<string>`, `"a" | "b"`.
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::String => "string".into(),
            Type::Int => "int".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Time => "time".into(),
            Type::Duration => "duration".into(),
            Type::Enum(id) => {
                let members = self
                    .enums
                    .get(*id as usize)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let shown: Vec<String> =
                    members.iter().take(4).map(|m| format!("\"{m}\"")).collect();
                let more = if members.len() > 4 { " | …" } else { "" };
                format!("{}{more}", shown.join(" | "))
            }
            Type::List(inner) => format!("list<{}>", self.type_name(inner)),
            Type::Record(id) => {
                let fields = self
                    .records
                    .get(*id as usize)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                format!("{{ {} }}", names.join(", "))
            }
            Type::Optional(inner) => format!("{}?", self.type_name(inner)),
        }
    }

    /// "a time", "an int", "an optional time": a type in a sentence.
    pub fn a_type(&self, ty: &Type) -> String {
        let name = match ty {
            Type::Enum(_) => format!("enum {}", self.type_name(ty)),
            Type::Record(_) => format!("record {}", self.type_name(ty)),
            Type::Optional(inner) => return format!("an optional {}", self.type_name(inner)),
            _ => self.type_name(ty),
        };
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }
}

/// A compiled expression. Names are slot indices; evaluation never looks up
/// a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Const(Value),
    /// An attribute by slot.
    Attr(u32),
    /// A record field of `base`; `record` says which record type.
    Field {
        /// The record value.
        base: Box<Expr>,
        /// Index into [`Schema::records`].
        record: u32,
        /// The field's index in the record.
        index: u32,
    },
    /// A property of the occurrence under a `where` condition.
    Prop {
        /// The event under the `where`.
        event: u32,
        /// The property's index.
        index: u32,
    },
    /// A segment by index into [`Program::segments`].
    Segment(u32),
    /// A metric by index into [`Program::metrics`].
    Metric(u32),
    /// The evaluation instant.
    Now,
    /// `not a`
    Not(Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a OP b`
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `x [not] in [literals]`
    InList {
        /// The value tested.
        value: Box<Expr>,
        /// The literal values.
        list: Vec<Value>,
        /// `not in`
        negated: bool,
    },
    /// `list contains x`
    Contains(Box<Expr>, Box<Expr>),
    /// `x is present`
    IsPresent(Box<Expr>),
    /// `x is missing`
    IsMissing(Box<Expr>),
    /// `t older than D`
    OlderThan(Box<Expr>, Box<Expr>),
    /// `t within D`
    Within(Box<Expr>, Box<Expr>),
    /// `inactive for D`: the policy's activity is older than D.
    Inactive(Window),
    /// `E at least N times [within D]` (and `never E` as its negation).
    AtLeast {
        /// The event's slot.
        event: u32,
        /// The least number of occurrences.
        count: i64,
        /// The window, if any.
        window: Option<Window>,
    },
    /// `sent "msg" [within D]`
    Sent {
        /// The message name.
        message: String,
        /// The window, if any.
        window: Option<Window>,
    },
    /// `x ?? default`
    Default(Box<Expr>, Box<Expr>),
    /// `a OP b`
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `-x`
    Neg(Box<Expr>),
    /// A scalar built-in call.
    Call(Builtin, Vec<Expr>),
    /// An aggregate over an event.
    Aggregate(Box<Aggregate>),
    /// `if c then a else b`: only the chosen branch is evaluated.
    If {
        /// The condition and the two branches.
        branches: Box<[Expr; 3]>,
        /// Whether an int result becomes a number (one branch is a number).
        widen: bool,
    },
    /// `local_hour(t)`, `local_minute(t)`, `local_weekday(t)`: a time read
    /// in the customer's zone.
    Local(LocalPart, Box<Expr>),
}

/// The length of a window (`within D`, `inactive for D`).
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// A literal duration, known when the ruleset is checked.
    Fixed(Micros),
    /// A duration expression, computed per customer; a result that is zero
    /// or negative is a runtime fault (the rule fails closed).
    Computed(Box<Expr>),
}

/// What the `local_*` built-ins read of a local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalPart {
    /// `local_hour`: 0 to 23.
    Hour,
    /// `local_minute`: 0 to 59.
    Minute,
    /// `local_weekday`: `"mon"` to `"sun"`, a member of [`Schema::weekday`].
    Weekday,
}

impl LocalPart {
    /// The built-in that reads it, e.g. `local_hour`.
    pub fn name(self) -> &'static str {
        match self {
            LocalPart::Hour => builtins::LOCAL_HOUR.name,
            LocalPart::Minute => builtins::LOCAL_MINUTE.name,
            LocalPart::Weekday => builtins::LOCAL_WEEKDAY.name,
        }
    }
}

/// The members of the enum `local_weekday` returns, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// An aggregate over the occurrences of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Which aggregate.
    pub kind: AggregateKind,
    /// The event's slot.
    pub event: u32,
    /// The property's index, for aggregates of a property.
    pub property: Option<u32>,
    /// The `where` condition.
    pub filter: Option<Expr>,
    /// The window, if any.
    pub window: Option<Window>,
}

/// A segment or metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// The compiled expression.
    pub expr: Expr,
    /// Its canonical text.
    pub text: String,
}

/// One top-level conjunct of a rule's `when`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conjunct {
    /// Canonical source text, as shown in `because`.
    pub text: String,
    /// The compiled condition.
    pub expr: Expr,
}

/// What a rule sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// One message.
    Single(String),
    /// Variants with their share in hundredths of a percent (sum 10 000).
    Variants(Vec<(String, u32)>),
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name.
    pub name: String,
    /// Its `describe` text.
    pub describe: Option<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// The `when`, split at top-level `and`: the rule matches when all hold.
    pub conjuncts: Vec<Conjunct>,
    /// Index into [`Policy::channels`].
    pub channel: u32,
    /// The message or variants.
    pub message: Message,
    /// The `with` parameters, in source order.
    pub params: Vec<(String, Expr)>,
    /// Its priority (higher first).
    pub priority: i64,
    /// Its cooldown, if any.
    pub cooldown: Option<Micros>,
    /// Holdout share in hundredths of a percent (`10%` is 1000).
    pub holdout: Option<u32>,
    /// The channels after `or` (12.5), tried in order after `channel`.
    pub fallbacks: Vec<u32>,
    /// `deliver at HH:MM [on DAY, …]` (12.4).
    pub deliver: Option<Schedule>,
    /// What the rule exists to cause; changes no decision (`nudge report`).
    pub goal: Option<Goal>,
}

/// A rule's `goal EVENT [where COND] within D`: the customer converted when
/// `event` (matching `filter`) occurs in `(deliver_at, deliver_at + within]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// Event slot.
    pub event: u32,
    /// Over the occurrence's properties only.
    pub filter: Option<Expr>,
    /// The window after `deliver_at`.
    pub within: Micros,
    /// Canonical source text: `goal imported_data within 7 days`.
    pub text: String,
}

/// What a suppression applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum SuppressionScope {
    /// Every rule.
    All,
    /// Rules sending on this channel.
    Channel(u32),
    /// Rules with this tag.
    Tag(String),
}

/// A checked suppression.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    /// Its name.
    pub name: String,
    /// The condition.
    pub when: Expr,
    /// The condition's canonical text.
    pub text: String,
    /// What it applies to.
    pub scope: SuppressionScope,
}

/// Quiet hours of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct QuietHours {
    /// Minutes after local midnight.
    pub from: u32,
    /// Minutes after local midnight when they end.
    pub to: u32,
    /// Channels it applies to; `None` for all.
    pub channels: Option<Vec<u32>>,
    /// As written, for explanations.
    pub text: String,
}

/// A rule's delivery time (12.4): a local time of day, on some weekdays.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Minutes after local midnight.
    pub minute: u32,
    /// The weekdays, Monday = 0; empty for every day.
    pub days: Vec<u32>,
    /// `09:00 mon, thu`, for `detail.scheduled`.
    pub text: String,
}

/// A `consent CHANNEL when EXPR` policy clause (12.6).
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    /// The channel.
    pub channel: u32,
    /// When the customer may receive messages on the channel.
    pub when: Expr,
    /// The condition's canonical text.
    pub text: String,
}

/// A frequency cap of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    /// The most messages in the window.
    pub count: i64,
    /// The channel; `None` for all.
    pub channel: Option<u32>,
    /// The window length.
    pub window: Micros,
    /// As written, e.g. `at most 2 email messages per 7 days`.
    pub text: String,
    /// `tagged TAG` (12.7): only messages of rules carrying the tag count.
    pub tag: Option<String>,
}

/// The checked policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The channel names; channel ids index this list.
    pub channels: Vec<String>,
    /// The `activity` time, if declared.
    pub activity: Option<Expr>,
    /// The `timezone` expression, if declared.
    pub timezone: Option<Expr>,
    /// The zone used when the customer's zone is unknown: the literal default
    /// of the `timezone` expression (`timezone ?? "UTC"`), else UTC.
    pub default_zone: Tz,
    /// Quiet hours.
    pub quiet_hours: Vec<QuietHours>,
    /// Frequency caps.
    pub caps: Vec<Cap>,
    /// `consent CHANNEL when EXPR` clauses (12.6), at most one per channel.
    pub consents: Vec<Consent>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            channels: Vec::new(),
            activity: None,
            timezone: None,
            default_zone: Tz::UTC,
            quiet_hours: Vec::new(),
            caps: Vec::new(),
            consents: Vec::new(),
        }
    }
}

/// A checked ruleset, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// The schema.
    pub schema: Schema,
    /// The segments, in source order.
    pub segments: Vec<Definition>,
    /// The metrics, in source order.
    pub metrics: Vec<Definition>,
    /// In arbitration order: priority high first, then name.
    pub rules: Vec<Rule>,
    /// The suppressions, in source order.
    pub suppressions: Vec<Suppression>,
    /// The policy.
    pub policy: Policy,
}

impl Rule {
    /// The channels to try in order: the send's channel, then its fallbacks.
    pub fn channels(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.channel).chain(self.fallbacks.iter().copied())
    }
}

impl Program {
    /// A channel's name (`?` for an unknown id).
    pub fn channel_name(&self, id: u32) -> &str {
        self.policy
            .channels
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// The rule called `name`.
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }
}
