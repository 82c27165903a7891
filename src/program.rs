//! The checked, compiled form of a ruleset: attributes and events as slot
//! indices, expressions as a small tree over slots, rules in arbitration
//! order, and the policy. Nothing here refers to source text by position.

use chrono_tz::Tz;

use crate::syntax::ast::{AggregateKind, ArithOp, Builtin, CompareOp};
use crate::value::{Micros, Value};

/// A static type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Int,
    Number,
    Bool,
    Time,
    Duration,
    /// Index into [`Schema::enums`].
    Enum(u32),
    List(Box<Type>),
    /// Index into [`Schema::records`].
    Record(u32),
    Optional(Box<Type>),
}

impl Type {
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }

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
    pub name: String,
    pub ty: Type,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventDef {
    pub name: String,
    pub props: Vec<Field>,
}

/// The customer schema with every name resolved to an index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub attributes: Vec<Field>,
    pub events: Vec<EventDef>,
    /// Each enum's members, in declaration order.
    pub enums: Vec<Vec<String>>,
    pub records: Vec<Vec<Field>>,
    /// Attribute slots grouped by name length, for reading snapshots:
    /// a key is compared only with names of its own length.
    pub attributes_by_length: Vec<Vec<u32>>,
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
    Const(Value),
    /// An attribute by slot.
    Attr(u32),
    /// A record field of `base`; `record` says which record type.
    Field {
        base: Box<Expr>,
        record: u32,
        index: u32,
    },
    /// A property of the occurrence under a `where` condition.
    Prop {
        event: u32,
        index: u32,
    },
    Segment(u32),
    Metric(u32),
    Now,
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    InList {
        value: Box<Expr>,
        list: Vec<Value>,
        negated: bool,
    },
    Contains(Box<Expr>, Box<Expr>),
    IsPresent(Box<Expr>),
    IsMissing(Box<Expr>),
    OlderThan(Box<Expr>, Box<Expr>),
    Within(Box<Expr>, Box<Expr>),
    /// `inactive for D`: the policy's activity is older than D.
    Inactive(Micros),
    /// `E at least N times [within D]` (and `never E` as its negation).
    AtLeast {
        event: u32,
        count: i64,
        window: Option<Micros>,
    },
    /// `sent "msg" [within D]`
    Sent {
        message: String,
        window: Option<Micros>,
    },
    Default(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Call(Builtin, Vec<Expr>),
    Aggregate(Box<Aggregate>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub kind: AggregateKind,
    pub event: u32,
    pub property: Option<u32>,
    pub filter: Option<Expr>,
    pub window: Option<Micros>,
}

/// A segment or metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub ty: Type,
    pub expr: Expr,
    pub text: String,
}

/// One top-level conjunct of a rule's `when`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conjunct {
    /// Canonical source text, as shown in `because`.
    pub text: String,
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Single(String),
    /// Variants with their share in hundredths of a percent (sum 10 000).
    Variants(Vec<(String, u32)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub describe: Option<String>,
    pub tags: Vec<String>,
    /// The `when`, split at top-level `and`: the rule matches when all hold.
    pub conjuncts: Vec<Conjunct>,
    /// Index into [`Policy::channels`].
    pub channel: u32,
    pub message: Message,
    pub params: Vec<(String, Expr)>,
    pub priority: i64,
    pub cooldown: Option<Micros>,
    /// Holdout share in hundredths of a percent (`10%` is 1000).
    pub holdout: Option<u32>,
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
    pub within: Micros,
    /// Canonical source text: `goal imported_data within 7 days`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SuppressionScope {
    All,
    Channel(u32),
    Tag(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub name: String,
    pub when: Expr,
    pub text: String,
    pub scope: SuppressionScope,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuietHours {
    /// Minutes after local midnight.
    pub from: u32,
    pub to: u32,
    /// Channels it applies to; `None` for all.
    pub channels: Option<Vec<u32>>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    pub count: i64,
    pub channel: Option<u32>,
    pub window: Micros,
    /// As written, e.g. `at most 2 email messages per 7 days`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub channels: Vec<String>,
    pub activity: Option<Expr>,
    pub timezone: Option<Expr>,
    /// The zone used when the customer's zone is unknown: the literal default
    /// of the `timezone` expression (`timezone ?? "UTC"`), else UTC.
    pub default_zone: Tz,
    pub quiet_hours: Vec<QuietHours>,
    pub caps: Vec<Cap>,
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
        }
    }
}

/// A checked ruleset, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub schema: Schema,
    pub segments: Vec<Definition>,
    pub metrics: Vec<Definition>,
    /// In arbitration order: priority high first, then name.
    pub rules: Vec<Rule>,
    pub suppressions: Vec<Suppression>,
    pub policy: Policy,
}

impl Program {
    pub fn channel_name(&self, id: u32) -> &str {
        self.policy
            .channels
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }

    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }
}
