//! The syntax tree of one rule file: what the author wrote, with a span on
//! every node, before names are resolved or types checked.

pub use crate::program::ops::{AggregateKind, ArithOp, Builtin, CompareOp, DurationUnit};

use super::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal, already unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The value, escapes resolved.
    pub value: String,
    /// Where it is written, quotes included.
    pub span: Span,
}

/// A duration literal such as `7 days`, kept with the unit the author chose so
/// the formatter can print it back the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    /// The number of units.
    pub amount: i64,
    /// The unit.
    pub unit: DurationUnit,
    /// The unit word as written (`d`, `day`, `days`, ...).
    pub unit_text: String,
    /// Where it is written.
    pub span: Span,
}

impl DurationLit {
    /// The length in seconds (saturating: absurd literals are refused by the checker).
    pub fn seconds(&self) -> i64 {
        self.amount.saturating_mul(self.unit.seconds())
    }
}

/// A percentage such as `10%` or `2.5%`.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentLit {
    /// The percentage (`2.5` for `2.5%`).
    pub value: f64,
    /// The digits as written.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// A clock time `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockLit {
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Where it is written.
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAst {
    /// The items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `schema { ... }`
    Schema(SchemaBlock),
    /// `policy { ... }`
    Policy(PolicyBlock),
    /// `segment NAME = EXPR`
    Segment(Definition),
    /// `metric NAME = EXPR`
    Metric(Definition),
    /// `rule NAME { ... }`
    Rule(RuleDef),
    /// `suppress NAME when EXPR [for ...]`
    Suppress(SuppressDef),
}

impl Item {
    /// Where the item is written.
    pub fn span(&self) -> Span {
        match self {
            Item::Schema(s) => s.span,
            Item::Policy(p) => p.span,
            Item::Segment(d) | Item::Metric(d) => d.span,
            Item::Rule(r) => r.span,
            Item::Suppress(s) => s.span,
        }
    }
}

/// `schema { ... }`: attributes and events.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaBlock {
    /// The entries in source order.
    pub entries: Vec<SchemaEntry>,
    /// The `schema` keyword.
    pub keyword: Span,
    /// The whole block.
    pub span: Span,
}

/// One entry of a schema block.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaEntry {
    /// `name: type`
    Attribute(FieldDecl),
    /// `event name [{ props }]`
    Event(EventDecl),
}

impl SchemaEntry {
    /// Where the entry is written.
    pub fn span(&self) -> Span {
        match self {
            SchemaEntry::Attribute(f) => f.span,
            SchemaEntry::Event(e) => e.span,
        }
    }
}

/// `name: type`, in the schema, a record or an event.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The attribute, field or property name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// `event name { prop: type, ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct EventDecl {
    /// The event's name.
    pub name: Ident,
    /// Its properties.
    pub props: Vec<FieldDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// What type it is.
    pub kind: TypeKind,
    /// Where it is written.
    pub span: Span,
}

/// The forms of a type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, `number`, `bool`, `time`, `duration` (or an unknown word).
    Named(Ident),
    /// `"a" | "b"`
    Enum(Vec<StrLit>),
    /// `list<T>`
    List(Box<TypeExpr>),
    /// `{ field: T, ... }`
    Record(Vec<FieldDecl>),
    /// `T?`
    Optional(Box<TypeExpr>),
}

/// `policy { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBlock {
    /// The clauses in source order.
    pub clauses: Vec<PolicyClause>,
    /// The `policy` keyword.
    pub keyword: Span,
    /// The whole block.
    pub span: Span,
}

/// One clause of the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyClause {
    /// What clause it is.
    pub kind: PolicyClauseKind,
    /// Where it is written.
    pub span: Span,
}

/// The clauses of a policy.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyClauseKind {
    /// `channels a, b`
    Channels(Vec<Ident>),
    /// `activity EXPR`
    Activity(Expr),
    /// `timezone EXPR`
    Timezone(Expr),
    /// `quiet hours HH:MM to HH:MM [for channels]`
    QuietHours {
        /// Start, local time.
        from: ClockLit,
        /// End, local time (may wrap past midnight).
        to: ClockLit,
        /// The channels it applies to; empty for all.
        channels: Vec<Ident>,
    },
    /// `at most N [channel] messages per D`
    Cap {
        /// The most messages.
        count: i64,
        /// Where `N` is written.
        count_span: Span,
        /// The channel; `None` for all.
        channel: Option<Ident>,
        /// `per day` is stored as `1 day` with `bare_unit` set.
        per: DurationLit,
        /// Whether the window was a bare unit (`per day`).
        bare_unit: bool,
        /// `tagged TAG` (12.7): counts the messages of rules carrying `TAG`.
        tag: Option<Ident>,
    },
    /// `consent CHANNEL when EXPR` (12.6).
    Consent {
        /// The channel the consent is for.
        channel: Ident,
        /// When the customer may receive messages on it.
        when: Expr,
    },
}

/// `segment name = expr` or `metric name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The name.
    pub name: Ident,
    /// The expression.
    pub expr: Expr,
    /// The whole item.
    pub span: Span,
}

/// `rule NAME { clauses }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    /// The rule's name.
    pub name: Ident,
    /// The clauses in source order.
    pub clauses: Vec<RuleClause>,
    /// The whole item.
    pub span: Span,
}

/// One clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleClause {
    /// What clause it is.
    pub kind: RuleClauseKind,
    /// Where it is written.
    pub span: Span,
}

/// The clauses of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleClauseKind {
    /// `describe "..."`
    Describe(StrLit),
    /// `tags a, b`
    Tags(Vec<Ident>),
    /// `when EXPR`
    When(Expr),
    /// `send CHANNEL MESSAGE [with { ... }]`
    Send(SendClause),
    /// `priority N`
    Priority {
        /// The priority (higher goes first).
        value: i64,
        /// Where `N` is written.
        span: Span,
    },
    /// `cooldown D`
    Cooldown(DurationLit),
    /// `holdout P%`
    Holdout(PercentLit),
    /// `deliver at HH:MM [on DAY, …]` (12.4).
    Deliver {
        /// The local time of day.
        at: ClockLit,
        /// The weekdays; empty for every day.
        days: Vec<Ident>,
    },
    /// `goal EVENT [where COND] within D`
    Goal(GoalClause),
}

impl RuleClauseKind {
    /// The clause's keyword, for messages about it.
    pub fn keyword(&self) -> &'static str {
        match self {
            RuleClauseKind::Describe(_) => "describe",
            RuleClauseKind::Tags(_) => "tags",
            RuleClauseKind::When(_) => "when",
            RuleClauseKind::Send(_) => "send",
            RuleClauseKind::Priority { .. } => "priority",
            RuleClauseKind::Cooldown(_) => "cooldown",
            RuleClauseKind::Holdout(_) => "holdout",
            RuleClauseKind::Deliver { .. } => "deliver",
            RuleClauseKind::Goal(_) => "goal",
        }
    }
}

/// `goal EVENT [where COND] within D` (LANGUAGE.md 12.8): the conversion a
/// rule exists to cause. It changes no decision; `nudge report` measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalClause {
    /// The goal event.
    pub event: Ident,
    /// Over the event's properties, by bare name.
    pub filter: Option<Expr>,
    /// The window after delivery.
    pub within: DurationLit,
}

/// `send CHANNEL MESSAGE [with { ... }]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SendClause {
    /// The channel.
    pub channel: Ident,
    /// The channels after `or` (12.5), tried in order after `channel`.
    pub fallbacks: Vec<Ident>,
    /// One message or variants.
    pub message: MessageSpec,
    /// The `with` parameters.
    pub params: Vec<Param>,
}

/// What a rule sends.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageSpec {
    /// One message.
    Single(StrLit),
    /// Variants: `{ "a" 50%, "b" 50% }`.
    Variants {
        /// The variants in source order.
        variants: Vec<Variant>,
        /// The whole variant block.
        span: Span,
    },
}

/// One A/B variant: a message and its share.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The message.
    pub message: StrLit,
    /// Its share.
    pub share: PercentLit,
}

/// `key: expr` in a `with { ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
}

/// `suppress NAME when EXPR [for channel C | for tag T]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressDef {
    /// The suppression's name.
    pub name: Ident,
    /// The condition.
    pub when: Expr,
    /// What it applies to; `None` for every rule.
    pub scope: Option<SuppressScope>,
    /// The whole item.
    pub span: Span,
}

/// What a suppression applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum SuppressScope {
    /// `for channel C`
    Channel(Ident),
    /// `for tag T`
    Tag(Ident),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What expression it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The forms of an expression (`docs/language.md#expressions`).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a OP b`
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `x [not] in [literals]`
    In {
        /// The value tested.
        value: Box<Expr>,
        /// The literal list.
        list: Vec<Expr>,
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
    /// `inactive for D` (`D` any duration expression)
    InactiveFor(Box<Expr>),
    /// `never E [within D]`
    Never {
        /// The event.
        event: Ident,
        /// The window, if any: a duration expression.
        window: Option<Box<Expr>>,
    },
    /// `E at least N times [within D]`
    AtLeast {
        /// The event.
        event: Ident,
        /// The least number of occurrences.
        count: i64,
        /// Where `N` is written.
        count_span: Span,
        /// `time` or `times` as written.
        plural: bool,
        /// The window, if any: a duration expression.
        window: Option<Box<Expr>>,
    },
    /// `sent "msg" [within D]`, or `never sent ...` when `negated`.
    Sent {
        /// The message.
        message: StrLit,
        /// The window, if any: a duration expression.
        window: Option<Box<Expr>>,
        /// Whether it is `never sent`.
        negated: bool,
    },
    /// `x ?? default`
    Default(Box<Expr>, Box<Expr>),
    /// `a OP b`
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `-x`
    Neg(Box<Expr>),
    /// `f(args)` of a scalar built-in.
    Call {
        /// The built-in.
        func: Builtin,
        /// Where its name is written.
        func_span: Span,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `agg(E[.p] [where c] [within D])`
    Aggregate {
        /// Which aggregate.
        kind: AggregateKind,
        /// Where its name is written.
        func_span: Span,
        /// The event.
        event: Ident,
        /// The property, for aggregates of a property.
        property: Option<Ident>,
        /// The `where` condition.
        filter: Option<Box<Expr>>,
        /// The window: a duration expression.
        window: Option<Box<Expr>>,
    },
    /// A dotted name: attribute, record field, segment, metric or event property.
    Path(Vec<Ident>),
    /// A string literal.
    Str(String),
    /// The value and the digits as written (`1_000`).
    Int(i64, String),
    /// A number literal and its digits as written.
    Number(f64, String),
    /// `true` or `false`.
    Bool(bool),
    /// A duration literal.
    Duration(DurationLit),
    /// `now`
    Now,
    /// `( x )`
    Paren(Box<Expr>),
    /// `if c then a else b`
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value when it holds.
        then: Box<Expr>,
        /// The value otherwise.
        other: Box<Expr>,
    },
}

/// The direct operands of an expression kind, for `&` and `&mut` alike (one
/// list, so that reading a tree and dismantling it cannot disagree).
macro_rules! operands {
    ($kind:expr, $($r:tt)+) => {
        match $kind {
            ExprKind::Or(a, b)
            | ExprKind::And(a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Contains(a, b)
            | ExprKind::OlderThan(a, b)
            | ExprKind::Within(a, b)
            | ExprKind::Default(a, b)
            | ExprKind::Arith(_, a, b) => vec![$($r)+ **a, $($r)+ **b],
            ExprKind::Not(a)
            | ExprKind::IsPresent(a)
            | ExprKind::IsMissing(a)
            | ExprKind::Neg(a)
            | ExprKind::Paren(a) => vec![$($r)+ **a],
            ExprKind::In { value, list, .. } => {
                let mut out = vec![$($r)+ **value];
                out.extend(list);
                out
            }
            ExprKind::Call { args, .. } => args.into_iter().collect(),
            ExprKind::If { cond, then, other } => vec![$($r)+ **cond, $($r)+ **then, $($r)+ **other],
            ExprKind::Aggregate { filter, .. } => filter.into_iter().map(|f| $($r)+ **f).collect(),
            ExprKind::InactiveFor(_)
            | ExprKind::Never { .. }
            | ExprKind::AtLeast { .. }
            | ExprKind::Sent { .. }
            | ExprKind::Path(_)
            | ExprKind::Str(_)
            | ExprKind::Int(..)
            | ExprKind::Number(..)
            | ExprKind::Bool(_)
            | ExprKind::Duration(_)
            | ExprKind::Now => Vec::new(),
        }
    };
}

impl Expr {
    /// The conjuncts of a top-level `and` chain (parentheses are kept: a
    /// parenthesised `and` is one conjunct).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        self.chain(|k| match k {
            ExprKind::And(a, b) => Some((a, b)),
            _ => None,
        })
    }

    /// The disjuncts of a top-level `or` chain.
    pub fn disjuncts(&self) -> Vec<&Expr> {
        self.chain(|k| match k {
            ExprKind::Or(a, b) => Some((a, b)),
            _ => None,
        })
    }

    /// How deep the tree is (a literal is 1), measured without recursion so
    /// that any tree can be measured on any stack.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            stack.extend(e.children().into_iter().map(|c| (c, d + 1)));
        }
        deepest
    }

    /// Drops a tree of any depth without recursion (dropping a `Box` chain
    /// recurses once per level): for trees refused as too deep.
    pub fn dismantle(self) {
        let mut stack = vec![self];
        while let Some(mut e) = stack.pop() {
            for child in e.children_mut() {
                let leaf = Expr {
                    kind: ExprKind::Now,
                    span: child.span,
                };
                stack.push(std::mem::replace(child, leaf));
            }
        }
    }

    /// The direct subexpressions, windows left out (see [`Expr::window`]).
    pub fn children(&self) -> Vec<&Expr> {
        operands!(&self.kind, &)
    }

    /// The direct subexpressions, mutably, in the order of [`Expr::children`].
    fn children_mut(&mut self) -> Vec<&mut Expr> {
        operands!(&mut self.kind, &mut)
    }

    /// The duration expression of a window: `D` in `within D` (of `never`,
    /// `at least`, `sent` and aggregates) and in `inactive for D`.
    pub fn window(&self) -> Option<&Expr> {
        match &self.kind {
            ExprKind::InactiveFor(w) => Some(w),
            ExprKind::Never { window, .. }
            | ExprKind::AtLeast { window, .. }
            | ExprKind::Sent { window, .. }
            | ExprKind::Aggregate { window, .. } => window.as_deref(),
            _ => None,
        }
    }

    /// The operands of a chain of one binary operator, left to right.
    fn chain(&self, split: fn(&ExprKind) -> Option<(&Expr, &Expr)>) -> Vec<&Expr> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match split(&e.kind) {
                Some((a, b)) => {
                    stack.push(b);
                    stack.push(a);
                }
                None => out.push(e),
            }
        }
        out
    }
}
