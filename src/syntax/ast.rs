//! The syntax tree of one rule file: what the author wrote, with a span on
//! every node, before names are resolved or types checked.

use super::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal, already unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A duration literal such as `7 days`, kept with the unit the author chose so
/// the formatter can print it back the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    pub amount: i64,
    pub unit: DurationUnit,
    /// The unit word as written (`d`, `day`, `days`, ...).
    pub unit_text: String,
    pub span: Span,
}

/// The units a duration can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Minute,
    Hour,
    Day,
    Week,
}

impl DurationUnit {
    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Minute => 60,
            DurationUnit::Hour => 3_600,
            DurationUnit::Day => 86_400,
            DurationUnit::Week => 604_800,
        }
    }
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
    pub value: f64,
    pub text: String,
    pub span: Span,
}

/// A clock time `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockLit {
    pub hour: u32,
    pub minute: u32,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAst {
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Schema(SchemaBlock),
    Policy(PolicyBlock),
    Segment(Definition),
    Metric(Definition),
    Rule(RuleDef),
    Suppress(SuppressDef),
}

impl Item {
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

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaBlock {
    pub entries: Vec<SchemaEntry>,
    /// The `schema` keyword.
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemaEntry {
    Attribute(FieldDecl),
    Event(EventDecl),
}

impl SchemaEntry {
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
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `event name { prop: type, ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    pub props: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, `number`, `bool`, `time`, `duration` (or an unknown word).
    Named(Ident),
    Enum(Vec<StrLit>),
    List(Box<TypeExpr>),
    Record(Vec<FieldDecl>),
    Optional(Box<TypeExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBlock {
    pub clauses: Vec<PolicyClause>,
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyClause {
    pub kind: PolicyClauseKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyClauseKind {
    Channels(Vec<Ident>),
    Activity(Expr),
    Timezone(Expr),
    QuietHours {
        from: ClockLit,
        to: ClockLit,
        channels: Vec<Ident>,
    },
    Cap {
        count: i64,
        count_span: Span,
        channel: Option<Ident>,
        /// `per day` is stored as `1 day` with `bare_unit` set.
        per: DurationLit,
        bare_unit: bool,
    },
}

/// `segment name = expr` or `metric name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: Ident,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    pub name: Ident,
    pub clauses: Vec<RuleClause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleClause {
    pub kind: RuleClauseKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleClauseKind {
    Describe(StrLit),
    Tags(Vec<Ident>),
    When(Expr),
    Send(SendClause),
    Priority { value: i64, span: Span },
    Cooldown(DurationLit),
    Holdout(PercentLit),
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
            RuleClauseKind::Goal(_) => "goal",
        }
    }
}

/// `goal EVENT [where COND] within D` (LANGUAGE.md 12.8): the conversion a
/// rule exists to cause. It changes no decision; `nudge report` measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalClause {
    pub event: Ident,
    /// Over the event's properties, by bare name.
    pub filter: Option<Expr>,
    pub within: DurationLit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SendClause {
    pub channel: Ident,
    pub message: MessageSpec,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessageSpec {
    Single(StrLit),
    Variants { variants: Vec<Variant>, span: Span },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub message: StrLit,
    pub share: PercentLit,
}

/// `key: expr` in a `with { ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SuppressDef {
    pub name: Ident,
    pub when: Expr,
    pub scope: Option<SuppressScope>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SuppressScope {
    Channel(Ident),
    Tag(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// Aggregates over event occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Distinct,
    Last,
    First,
}

impl AggregateKind {
    pub fn name(self) -> &'static str {
        match self {
            AggregateKind::Count => "count",
            AggregateKind::Sum => "sum",
            AggregateKind::Min => "min",
            AggregateKind::Max => "max",
            AggregateKind::Avg => "avg",
            AggregateKind::Distinct => "distinct",
            AggregateKind::Last => "last",
            AggregateKind::First => "first",
        }
    }
}

/// The small fixed set of scalar built-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Lower,
    Len,
    Min,
    Max,
    Abs,
    Days,
    Hours,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Lower => "lower",
            Builtin::Len => "len",
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Abs => "abs",
            Builtin::Days => "days",
            Builtin::Hours => "hours",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Builtin::Min | Builtin::Max => 2,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Contains(Box<Expr>, Box<Expr>),
    IsPresent(Box<Expr>),
    IsMissing(Box<Expr>),
    OlderThan(Box<Expr>, Box<Expr>),
    Within(Box<Expr>, Box<Expr>),
    InactiveFor(DurationLit),
    /// `never E [within D]`
    Never {
        event: Ident,
        window: Option<DurationLit>,
    },
    /// `E at least N times [within D]`
    AtLeast {
        event: Ident,
        count: i64,
        count_span: Span,
        /// `time` or `times` as written.
        plural: bool,
        window: Option<DurationLit>,
    },
    /// `sent "msg" [within D]`, or `never sent ...` when `negated`.
    Sent {
        message: StrLit,
        window: Option<DurationLit>,
        negated: bool,
    },
    Default(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Call {
        func: Builtin,
        func_span: Span,
        args: Vec<Expr>,
    },
    Aggregate {
        kind: AggregateKind,
        func_span: Span,
        event: Ident,
        property: Option<Ident>,
        filter: Option<Box<Expr>>,
        window: Option<DurationLit>,
    },
    /// A dotted name: attribute, record field, segment, metric or event property.
    Path(Vec<Ident>),
    Str(String),
    /// The value and the digits as written (`1_000`).
    Int(i64, String),
    Number(f64, String),
    Bool(bool),
    Duration(DurationLit),
    Now,
    Paren(Box<Expr>),
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
