//! From syntax trees to a [`Program`]: name resolution, types,
//! optional-safety with narrowing, cycles between segments and metrics, and
//! lints. Every problem becomes a [`Diagnostic`]; all of them are reported.

mod expr;
mod goal;
mod lints;

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::{
    self, Cap, Field, Program, QuietHours, Schema, Suppression, SuppressionScope, Type,
};
use crate::syntax::ast::{
    self, Item, MessageSpec, PolicyClauseKind, RuleClauseKind, SchemaEntry, TypeKind,
};
use crate::syntax::{format, FileId, Span};

/// Words that cannot name anything (LANGUAGE.md section 2).
pub const KEYWORDS: [&str; 39] = [
    "and", "or", "not", "in", "is", "missing", "present", "older", "than", "within", "never", "at",
    "least", "times", "sent", "now", "true", "false", "rule", "segment", "metric", "schema",
    "policy", "event", "suppress", "when", "send", "with", "priority", "cooldown", "holdout",
    "tags", "describe", "for", "channel", "tag", "id", "events", "messages",
];

/// Snapshot keys that are not attributes.
const RESERVED_KEYS: [&str; 3] = ["id", "events", "messages"];

/// Checks the parsed files of a ruleset. Returns the program when there is
/// no error, and every diagnostic (errors and warnings) either way.
pub fn check(files: &[(FileId, &ast::FileAst)]) -> (Option<Program>, Vec<Diagnostic>) {
    let mut checker = Checker::default();
    let items: Vec<&Item> = files.iter().flat_map(|(_, f)| f.items.iter()).collect();
    let first_file = files.first().map(|(id, _)| *id).unwrap_or_default();
    checker.schema(&items, first_file);
    checker.schema.index_names();
    checker.names(&items);
    checker.policy(&items);
    checker.definitions();
    let rules = checker.rules(&items);
    let suppressions = checker.suppressions(&items);
    lints::run(&mut checker, &items);
    let has_errors = checker.diags.iter().any(Diagnostic::is_error);
    let Checker {
        schema,
        segments,
        metrics,
        policy,
        mut diags,
        ..
    } = checker;
    diags.sort_by_key(|d| (d.span.file, d.span.start));
    if has_errors {
        return (None, diags);
    }
    let mut rules = rules;
    rules.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    let finish = |defs: Vec<Def>| -> Vec<program::Definition> {
        defs.into_iter()
            .filter_map(|d| match d.state {
                DefState::Done(ty, expr) => Some(program::Definition {
                    name: d.name,
                    ty,
                    expr,
                    text: d.text,
                }),
                _ => None,
            })
            .collect()
    };
    let program = Program {
        schema,
        segments: finish(segments),
        metrics: finish(metrics),
        rules,
        suppressions,
        policy,
    };
    (Some(program), diags)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Segment,
    Metric,
    Rule,
    Suppression,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            NameKind::Segment => "segment",
            NameKind::Metric => "metric",
            NameKind::Rule => "rule",
            NameKind::Suppression => "suppression",
        }
    }
}

#[derive(Debug, Clone)]
enum DefState {
    Unchecked,
    InProgress,
    Done(Type, program::Expr),
    Failed,
}

/// A segment or metric being checked.
#[derive(Debug, Clone)]
struct Def {
    name: String,
    name_span: Span,
    expr: ast::Expr,
    text: String,
    state: DefState,
    uses: usize,
}

#[derive(Default)]
struct Checker {
    diags: Vec<Diagnostic>,
    schema: Schema,
    policy: program::Policy,
    has_policy: bool,
    channel_spans: Vec<Span>,
    /// Global names: segments, metrics, rules, suppressions.
    names: HashMap<String, (NameKind, Span)>,
    segments: Vec<Def>,
    metrics: Vec<Def>,
    /// Definitions being checked, for cycle reports.
    def_stack: Vec<(bool, usize)>,
    /// Whether the policy has an `activity` clause (even a broken one).
    activity_declared: bool,
}

impl Checker {
    /// Records an error or a warning.
    fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Declared names may not be keywords or reserved snapshot keys.
    fn declared_name(&mut self, ident: &ast::Ident, what: &str) -> bool {
        if KEYWORDS.contains(&ident.name.as_str()) {
            let reserved_key = RESERVED_KEYS.contains(&ident.name.as_str());
            let why = if reserved_key {
                "is a reserved snapshot key"
            } else {
                "is a reserved word"
            };
            self.report(
                Diagnostic::error(
                    Code::ReservedName,
                    ident.span,
                    format!("`{}` {why} and cannot name {what}", ident.name),
                )
                .with_label("reserved")
                .with_help(format!(
                    "choose another name, e.g. `{}_{}`",
                    if reserved_key { "customer" } else { "my" },
                    ident.name
                )),
            );
            return false;
        }
        true
    }

    // ---------------------------------------------------------- schema --

    fn schema(&mut self, items: &[&Item], first_file: FileId) {
        let schemas: Vec<&ast::SchemaBlock> = items
            .iter()
            .filter_map(|i| match i {
                Item::Schema(s) => Some(s),
                _ => None,
            })
            .collect();
        let Some(first) = schemas.first() else {
            self.report(
                Diagnostic::error(
                    Code::NoSchema,
                    Span::new(first_file, 0, 0),
                    "the ruleset has no schema",
                )
                .with_label("no `schema` block in any file")
                .with_help(
                    "add a `schema { … }` block that declares the customer attributes and events",
                ),
            );
            return;
        };
        for extra in schemas.iter().skip(1) {
            self.report(
                Diagnostic::error(Code::DuplicateSchema, extra.keyword, "a second schema")
                    .with_label("the ruleset already has a schema")
                    .with_help("a ruleset has exactly one `schema` block: merge the two")
                    .with_related(first.keyword, "first schema here"),
            );
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        for entry in &first.entries {
            match entry {
                SchemaEntry::Attribute(field) => {
                    if !self.declared_name(&field.name, "an attribute") {
                        continue;
                    }
                    if let Some(prev) = seen.get(&field.name.name) {
                        let prev = *prev;
                        self.duplicate_decl(&field.name, prev, "attribute");
                        continue;
                    }
                    seen.insert(field.name.name.clone(), field.name.span);
                    if let Some(ty) = self.resolve_type(&field.ty) {
                        self.schema.attributes.push(Field {
                            name: field.name.name.clone(),
                            ty,
                        });
                    }
                }
                SchemaEntry::Event(event) => {
                    if !self.declared_name(&event.name, "an event") {
                        continue;
                    }
                    if let Some(prev) = seen.get(&event.name.name) {
                        let prev = *prev;
                        self.duplicate_decl(&event.name, prev, "event");
                        continue;
                    }
                    seen.insert(event.name.name.clone(), event.name.span);
                    let mut props = Vec::new();
                    let mut prop_seen: HashMap<&str, Span> = HashMap::new();
                    for prop in &event.props {
                        if !self.declared_name(&prop.name, "an event property") {
                            continue;
                        }
                        if prop.name.name == "at" {
                            self.report(
                                Diagnostic::error(
                                    Code::ReservedName,
                                    prop.name.span,
                                    "`at` is the occurrence time and cannot be declared as a property",
                                )
                                .with_label("reserved")
                                .with_help("every occurrence already has `at`; remove this property or rename it"),
                            );
                            continue;
                        }
                        if let Some(prev) = prop_seen.get(prop.name.name.as_str()) {
                            let prev = *prev;
                            self.duplicate_decl(&prop.name, prev, "property");
                            continue;
                        }
                        prop_seen.insert(&prop.name.name, prop.name.span);
                        if let Some(ty) = self.resolve_type(&prop.ty) {
                            props.push(Field {
                                name: prop.name.name.clone(),
                                ty,
                            });
                        }
                    }
                    self.schema.events.push(program::EventDef {
                        name: event.name.name.clone(),
                        props,
                    });
                }
            }
        }
    }

    fn duplicate_decl(&mut self, ident: &ast::Ident, prev: Span, what: &str) {
        self.report(
            Diagnostic::error(
                Code::DuplicateName,
                ident.span,
                format!("{what} `{}` is declared twice", ident.name),
            )
            .with_label("declared again here")
            .with_help("remove one of the declarations or rename it")
            .with_related(prev, "first declared here"),
        );
    }

    fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Option<Type> {
        Some(match &ty.kind {
            TypeKind::Named(name) => match name.name.as_str() {
                "string" => Type::String,
                "int" => Type::Int,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "time" => Type::Time,
                "duration" => Type::Duration,
                other => {
                    let known = [
                        "string", "int", "number", "bool", "time", "duration", "list",
                    ];
                    let mut d = Diagnostic::error(
                        Code::UnknownType,
                        name.span,
                        format!("unknown type `{other}`"),
                    )
                    .with_label("not a type");
                    d = match did_you_mean(other, known) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(
                            "the types are string, int, number, bool, time, duration, list<T>, records `{ … }` and enums `\"a\" | \"b\"`",
                        ),
                    };
                    self.report(d);
                    return None;
                }
            },
            TypeKind::Enum(literals) => {
                let mut members: Vec<String> = Vec::new();
                for lit in literals {
                    if members.contains(&lit.value) {
                        self.report(
                            Diagnostic::error(
                                Code::DuplicateName,
                                lit.span,
                                format!("`\"{}\"` is listed twice", lit.value),
                            )
                            .with_label("repeated member")
                            .with_help("remove the repetition"),
                        );
                    } else {
                        members.push(lit.value.clone());
                    }
                }
                let id = match self.schema.enums.iter().position(|e| *e == members) {
                    Some(i) => i,
                    None => {
                        self.schema.enums.push(members);
                        self.schema.enums.len() - 1
                    }
                };
                Type::Enum(id as u32)
            }
            TypeKind::List(inner) => Type::List(Box::new(self.resolve_type(inner)?)),
            TypeKind::Record(fields) => {
                let mut out: Vec<Field> = Vec::new();
                for f in fields {
                    if !self.declared_name(&f.name, "a record field") {
                        continue;
                    }
                    if out.iter().any(|o| o.name == f.name.name) {
                        self.report(
                            Diagnostic::error(
                                Code::DuplicateName,
                                f.name.span,
                                format!("field `{}` is declared twice", f.name.name),
                            )
                            .with_label("declared again here")
                            .with_help("remove one of the declarations"),
                        );
                        continue;
                    }
                    let ty = self.resolve_type(&f.ty)?;
                    out.push(Field {
                        name: f.name.name.clone(),
                        ty,
                    });
                }
                self.schema.records.push(out);
                Type::Record(self.schema.records.len() as u32 - 1)
            }
            TypeKind::Optional(inner) => {
                let t = self.resolve_type(inner)?;
                if t.is_optional() {
                    t
                } else {
                    Type::Optional(Box::new(t))
                }
            }
        })
    }

    // ----------------------------------------------------------- names --

    fn names(&mut self, items: &[&Item]) {
        for item in items {
            let (kind, ident) = match item {
                Item::Segment(d) => (NameKind::Segment, &d.name),
                Item::Metric(d) => (NameKind::Metric, &d.name),
                Item::Rule(r) => (NameKind::Rule, &r.name),
                Item::Suppress(s) => (NameKind::Suppression, &s.name),
                _ => continue,
            };
            if !self.declared_name(ident, &format!("a {}", kind.word())) {
                continue;
            }
            if let Some((prev_kind, prev_span)) = self.names.get(&ident.name).copied() {
                let message = if prev_kind == kind {
                    format!("{} `{}` is defined twice", kind.word(), ident.name)
                } else {
                    format!(
                        "a {} and a {} are both named `{}`",
                        prev_kind.word(),
                        kind.word(),
                        ident.name
                    )
                };
                self.report(
                    Diagnostic::error(Code::DuplicateName, ident.span, message)
                        .with_label("defined again here")
                        .with_help("segments, metrics, rules and suppressions share one namespace: rename one of them")
                        .with_related(prev_span, "first defined here"),
                );
                continue;
            }
            self.names.insert(ident.name.clone(), (kind, ident.span));
            let def = |d: &ast::Definition| Def {
                name: d.name.name.clone(),
                name_span: d.name.span,
                expr: d.expr.clone(),
                text: format::expr(&d.expr),
                state: DefState::Unchecked,
                uses: 0,
            };
            match item {
                Item::Segment(d) => self.segments.push(def(d)),
                Item::Metric(d) => self.metrics.push(def(d)),
                _ => {}
            }
        }
    }

    // ---------------------------------------------------------- policy --

    fn policy(&mut self, items: &[&Item]) {
        let policies: Vec<&ast::PolicyBlock> = items
            .iter()
            .filter_map(|i| match i {
                Item::Policy(p) => Some(p),
                _ => None,
            })
            .collect();
        let Some(policy) = policies.first() else {
            return;
        };
        self.has_policy = true;
        for extra in policies.iter().skip(1) {
            self.report(
                Diagnostic::error(Code::DuplicatePolicy, extra.keyword, "a second policy")
                    .with_label("the ruleset already has a policy")
                    .with_help("a ruleset has at most one `policy` block: merge the two")
                    .with_related(policy.keyword, "first policy here"),
            );
        }
        // Channels first: the other clauses refer to them.
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for clause in &policy.clauses {
            let key = match &clause.kind {
                PolicyClauseKind::Channels(_) => "channels",
                PolicyClauseKind::Activity(_) => "activity",
                PolicyClauseKind::Timezone(_) => "timezone",
                _ => continue,
            };
            if let Some(prev) = seen.get(key) {
                let prev = *prev;
                self.report(
                    Diagnostic::error(
                        Code::DuplicateClause,
                        clause.span,
                        format!("`{key}` is given twice in the policy"),
                    )
                    .with_label("given again here")
                    .with_help(format!("keep one `{key}` clause"))
                    .with_related(prev, "first given here"),
                );
                continue;
            }
            seen.insert(key, clause.span);
            if let PolicyClauseKind::Channels(channels) = &clause.kind {
                for ch in channels {
                    if !self.declared_name(ch, "a channel") {
                        continue;
                    }
                    if self.policy.channels.contains(&ch.name) {
                        self.report(
                            Diagnostic::error(
                                Code::DuplicateName,
                                ch.span,
                                format!("channel `{}` is listed twice", ch.name),
                            )
                            .with_label("listed again")
                            .with_help("remove the repetition"),
                        );
                        continue;
                    }
                    self.policy.channels.push(ch.name.clone());
                    self.channel_spans.push(ch.span);
                }
            }
        }
        for clause in &policy.clauses {
            match &clause.kind {
                PolicyClauseKind::Activity(e) => {
                    self.activity_declared = true;
                    if let Some(t) = self.check_root(e) {
                        if self.expect_type(
                            &t,
                            &Type::Time,
                            e,
                            "the policy's `activity` must be a time",
                        ) {
                            self.policy.activity = Some(t.expr);
                        }
                    }
                }
                PolicyClauseKind::Timezone(e) => {
                    if let Some(t) = self.check_root(e) {
                        if self.expect_type(
                            &t,
                            &Type::String,
                            e,
                            "the policy's `timezone` must be a string",
                        ) {
                            self.policy.timezone = Some(t.expr);
                        }
                    }
                    self.timezone_literals(e);
                }
                PolicyClauseKind::QuietHours { from, to, channels } => {
                    let minutes = |c: &ast::ClockLit| c.hour * 60 + c.minute;
                    if minutes(from) == minutes(to) {
                        self.report(
                            Diagnostic::error(
                                Code::EmptyQuietHours,
                                clause.span,
                                "quiet hours that start and end at the same time cover no time",
                            )
                            .with_label("empty range")
                            .with_help("give different times, e.g. `quiet hours 21:00 to 08:00`"),
                        );
                    }
                    let mut ids = Vec::new();
                    for ch in channels {
                        if let Some(id) = self.channel(ch) {
                            ids.push(id);
                        }
                    }
                    let text = format!(
                        "quiet hours {:02}:{:02} to {:02}:{:02}{}",
                        from.hour,
                        from.minute,
                        to.hour,
                        to.minute,
                        if channels.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " for {}",
                                channels
                                    .iter()
                                    .map(|c| c.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    );
                    self.policy.quiet_hours.push(QuietHours {
                        from: minutes(from),
                        to: minutes(to),
                        channels: (!channels.is_empty()).then_some(ids),
                        text,
                    });
                }
                PolicyClauseKind::Cap {
                    count,
                    channel,
                    per,
                    bare_unit,
                    ..
                } => {
                    let channel_id = match channel {
                        Some(ch) => match self.channel(ch) {
                            Some(id) => Some(id),
                            None => continue,
                        },
                        None => None,
                    };
                    if per.seconds() <= 0 {
                        self.report(
                            Diagnostic::error(
                                Code::BadDuration,
                                per.span,
                                "a cap's window must be longer than zero",
                            )
                            .with_label("empty window")
                            .with_help("write e.g. `per 7 days`"),
                        );
                        continue;
                    }
                    let text = format!(
                        "at most {count} {}message{} per {}",
                        channel
                            .as_ref()
                            .map(|c| format!("{} ", c.name))
                            .unwrap_or_default(),
                        if *count == 1 { "" } else { "s" },
                        if *bare_unit {
                            per.unit_text.clone()
                        } else {
                            format::duration(per)
                        }
                    );
                    self.policy.caps.push(Cap {
                        count: *count,
                        channel: channel_id,
                        window: per
                            .seconds()
                            .saturating_mul(crate::value::MICROS_PER_SECOND),
                        text,
                    });
                }
                PolicyClauseKind::Channels(_) => {}
            }
        }
    }

    /// String literals in the timezone expression must be IANA zone names;
    /// the literal default (`?? "UTC"`) is the fallback zone.
    fn timezone_literals(&mut self, e: &ast::Expr) {
        let mut literals = Vec::new();
        collect_strings(e, &mut literals);
        for (value, span) in &literals {
            match value.parse::<Tz>() {
                Ok(tz) => {
                    if let ast::ExprKind::Default(_, rhs) = &e.kind {
                        if rhs.span == *span {
                            self.policy.default_zone = tz;
                        }
                    }
                }
                Err(_) => {
                    let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                    let mut d = Diagnostic::error(
                        Code::UnknownZone,
                        *span,
                        format!("unknown time zone `{value}`"),
                    )
                    .with_label("not an IANA time zone name");
                    d = match did_you_mean(value, names) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(
                            "use an IANA name such as `UTC`, `Europe/Paris` or `America/New_York`",
                        ),
                    };
                    self.report(d);
                }
            }
        }
    }

    /// Resolves a channel name against the policy's `channels`.
    fn channel(&mut self, ident: &ast::Ident) -> Option<u32> {
        if let Some(i) = self.policy.channels.iter().position(|c| *c == ident.name) {
            return Some(i as u32);
        }
        let mut d = Diagnostic::error(
            Code::UnknownChannel,
            ident.span,
            format!("unknown channel `{}`", ident.name),
        )
        .with_label("not declared in the policy's `channels`");
        let suggestion = did_you_mean(&ident.name, self.policy.channels.iter().map(String::as_str))
            .map(str::to_string);
        d = match (suggestion, self.policy.channels.is_empty()) {
            (Some(s), _) => d.with_help(format!("did you mean `{s}`?")),
            (None, true) => d.with_help(format!(
                "declare the channels in the policy: `policy {{ channels {} }}`",
                ident.name
            )),
            (None, false) => d.with_help(format!(
                "the channels are {}; add `{}` to the policy's `channels` to use it",
                self.policy.channels.join(", "),
                ident.name
            )),
        };
        self.report(d);
        None
    }

    // ----------------------------------------------------- definitions --

    fn definitions(&mut self) {
        for i in 0..self.segments.len() {
            self.def_type(true, i);
        }
        for i in 0..self.metrics.len() {
            self.def_type(false, i);
        }
    }

    fn def(&mut self, segment: bool, i: usize) -> Option<&mut Def> {
        if segment {
            self.segments.get_mut(i)
        } else {
            self.metrics.get_mut(i)
        }
    }

    /// The type of a segment or metric, checking it on first use.
    fn def_type(&mut self, segment: bool, i: usize) -> Option<Type> {
        let state = self.def(segment, i)?.state.clone();
        match state {
            DefState::Done(ty, _) => Some(ty),
            DefState::Failed => None,
            DefState::InProgress => {
                self.report_cycle(segment, i);
                None
            }
            DefState::Unchecked => {
                let def = self.def(segment, i)?;
                def.state = DefState::InProgress;
                let expr = def.expr.clone();
                let name = def.name.clone();
                self.def_stack.push((segment, i));
                let checked = self.check_root(&expr);
                self.def_stack.pop();
                let kind = if segment { "segment" } else { "metric" };
                let result = checked.and_then(|t| {
                    if t.ty.is_optional() && segment {
                        self.optional_error(&expr, &t.ty);
                        return None;
                    }
                    let fits = if segment { t.ty == Type::Bool } else { t.ty != Type::Bool };
                    if fits {
                        return Some(t);
                    }
                    {
                        let (label, help) = if segment {
                            (
                                format!("this is {}, not a condition", self.schema.a_type(&t.ty)),
                                format!("a segment is a condition; for a value write `metric {name} = …`"),
                            )
                        } else {
                            (
                                String::from("this is a condition"),
                                format!("a metric is a value; for a condition write `segment {name} = …`"),
                            )
                        };
                        self.report(
                            Diagnostic::error(Code::TypeMismatch, expr.span, format!("{kind} `{name}` must be {}", if segment { "a bool" } else { "a value, not a bool" }))
                                .with_label(label)
                                .with_help(help),
                        );
                        None
                    }
                });
                let def = self.def(segment, i)?;
                match result {
                    Some(t) => {
                        def.state = DefState::Done(t.ty.clone(), t.expr);
                        Some(t.ty)
                    }
                    None => {
                        if !matches!(def.state, DefState::Failed) {
                            def.state = DefState::Failed;
                        }
                        None
                    }
                }
            }
        }
    }

    fn report_cycle(&mut self, segment: bool, i: usize) {
        let Some(pos) = self.def_stack.iter().position(|d| *d == (segment, i)) else {
            return;
        };
        let members: Vec<(bool, usize)> = self.def_stack.get(pos..).unwrap_or(&[]).to_vec();
        let mut names = Vec::new();
        let mut spans = Vec::new();
        for (seg, idx) in &members {
            if let Some(d) = self.def(*seg, *idx) {
                names.push(d.name.clone());
                spans.push(d.name_span);
                d.state = DefState::Failed;
            }
        }
        let Some(first_name) = names.first().cloned() else {
            return;
        };
        let Some(first_span) = spans.first().copied() else {
            return;
        };
        let path = format!("{} → {first_name}", names.join(" → "));
        let message = if names.len() == 1 {
            format!("`{first_name}` refers to itself")
        } else {
            format!(
                "`{first_name}` refers to itself through {}",
                names
                    .get(1..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut d = Diagnostic::error(Code::Cycle, first_span, message)
            .with_label(format!("cycle: {path}"))
            .with_help("segments and metrics cannot depend on themselves: define one of them from attributes and events only");
        for (span, name) in spans.iter().zip(&names).skip(1) {
            d = d.with_related(*span, format!("`{name}` is part of the cycle"));
        }
        self.report(d);
    }

    // ----------------------------------------------------------- rules --

    fn rules(&mut self, items: &[&Item]) -> Vec<program::Rule> {
        items
            .iter()
            .filter_map(|item| match item {
                Item::Rule(rule) => self.rule(rule),
                _ => None,
            })
            .collect()
    }

    fn rule(&mut self, rule: &ast::RuleDef) -> Option<program::Rule> {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut ok = true;
        for clause in &rule.clauses {
            let kw = clause.kind.keyword();
            if let Some(prev) = seen.get(kw) {
                let prev = *prev;
                self.report(
                    Diagnostic::error(
                        Code::DuplicateClause,
                        clause.span,
                        format!("`{kw}` is given twice in rule `{}`", rule.name.name),
                    )
                    .with_label("given again here")
                    .with_help(if kw == "send" {
                        String::from(
                            "a rule sends one message: write a second rule for the other send",
                        )
                    } else {
                        format!("a rule has at most one `{kw}` clause: keep one")
                    })
                    .with_related(prev, "first given here"),
                );
                ok = false;
            } else {
                seen.insert(kw, clause.span);
            }
        }
        let find = |kw: &str| {
            rule.clauses
                .iter()
                .find(|c| c.kind.keyword() == kw)
                .map(|c| &c.kind)
        };
        let when = match find("when") {
            Some(RuleClauseKind::When(e)) => Some(e),
            _ => {
                self.report(
                    Diagnostic::error(
                        Code::MissingClause,
                        rule.name.span,
                        format!("rule `{}` has no `when` clause", rule.name.name),
                    )
                    .with_label("this rule never says when it applies")
                    .with_help("add `when CONDITION`, e.g. `when plan == \"trial\"`"),
                );
                None
            }
        };
        let send = match find("send") {
            Some(RuleClauseKind::Send(s)) => Some(s),
            _ => {
                self.report(
                    Diagnostic::error(
                        Code::MissingClause,
                        rule.name.span,
                        format!("rule `{}` has no `send` clause", rule.name.name),
                    )
                    .with_label("this rule never says what to send")
                    .with_help(
                        "add `send CHANNEL \"message\"`, e.g. `send email \"import_guide\"`",
                    ),
                );
                None
            }
        };
        let mut conjuncts = Vec::new();
        if let Some(when) = when {
            // Narrowing flows left to right through the top-level conjuncts.
            let mut scope = expr::Scope::default();
            for c in when.conjuncts() {
                match self.check_expr(c, &scope) {
                    Some(t) => {
                        if self.expect_type(
                            &t,
                            &Type::Bool,
                            c,
                            "a rule's `when` must be a condition",
                        ) {
                            conjuncts.push(program::Conjunct {
                                text: format::expr(c),
                                expr: t.expr,
                            });
                        } else {
                            ok = false;
                        }
                    }
                    None => ok = false,
                }
                scope.narrow_present(c);
            }
        }
        let mut channel = 0;
        let mut message = program::Message::Single(String::new());
        let mut params = Vec::new();
        if let Some(send) = send {
            match self.channel(&send.channel) {
                Some(c) => channel = c,
                None => ok = false,
            }
            match &send.message {
                MessageSpec::Single(m) => message = program::Message::Single(m.value.clone()),
                MessageSpec::Variants { variants, span } => {
                    let mut total: u32 = 0;
                    let mut out = Vec::new();
                    for v in variants {
                        let share = (v.share.value * 100.0).round();
                        if !(share > 0.0 && share <= 10_000.0) {
                            self.report(
                                Diagnostic::error(
                                    Code::BadPercentage,
                                    v.share.span,
                                    format!(
                                        "a variant's share must be between 0% and 100%, found {}%",
                                        v.share.text
                                    ),
                                )
                                .with_label("out of range")
                                .with_help(
                                    "give each variant a positive share; the shares add up to 100%",
                                ),
                            );
                            ok = false;
                            continue;
                        }
                        if out
                            .iter()
                            .any(|(m, _): &(String, u32)| *m == v.message.value)
                        {
                            self.report(
                                Diagnostic::error(
                                    Code::DuplicateName,
                                    v.message.span,
                                    format!("variant \"{}\" is listed twice", v.message.value),
                                )
                                .with_label("repeated variant")
                                .with_help("each variant is a different message"),
                            );
                            ok = false;
                        }
                        total += share as u32;
                        out.push((v.message.value.clone(), share as u32));
                    }
                    if total != 10_000 && ok {
                        let shown = crate::value::format_number(f64::from(total) / 100.0);
                        self.report(
                            Diagnostic::error(
                                Code::VariantTotal,
                                *span,
                                format!("variant shares add up to {shown}%, not 100%"),
                            )
                            .with_label(format!("{shown}% in total"))
                            .with_help(
                                "adjust the percentages so that they add up to exactly 100%",
                            ),
                        );
                        ok = false;
                    }
                    message = program::Message::Variants(out);
                }
            }
            let mut names: Vec<&str> = Vec::new();
            for p in &send.params {
                if names.contains(&p.name.name.as_str()) {
                    self.report(
                        Diagnostic::error(
                            Code::DuplicateName,
                            p.name.span,
                            format!("parameter `{}` is given twice", p.name.name),
                        )
                        .with_label("given again")
                        .with_help("remove one of them"),
                    );
                    ok = false;
                    continue;
                }
                names.push(&p.name.name);
                match self.check_param(&p.value) {
                    Some(e) => params.push((p.name.name.clone(), e)),
                    None => ok = false,
                }
            }
        }
        let mut tags = Vec::new();
        let mut describe = None;
        let mut priority = 0;
        let mut cooldown = None;
        let mut holdout = None;
        let mut goal = None;
        for clause in &rule.clauses {
            match &clause.kind {
                RuleClauseKind::Describe(s) => describe = Some(s.value.clone()),
                RuleClauseKind::Tags(t) => {
                    for tag in t {
                        if self.declared_name(tag, "a tag") && !tags.contains(&tag.name) {
                            tags.push(tag.name.clone());
                        }
                    }
                }
                RuleClauseKind::Priority { value, .. } => priority = *value,
                RuleClauseKind::Cooldown(d) => {
                    if d.seconds() <= 0 {
                        self.report(
                            Diagnostic::error(Code::BadDuration, d.span, format!("a cooldown of {} never blocks a send", format::duration(d)))
                                .with_label("zero cooldown")
                                .with_help("give a positive duration such as `cooldown 7 days`, or remove the clause"),
                        );
                        ok = false;
                    }
                    cooldown = Some(d.seconds().saturating_mul(crate::value::MICROS_PER_SECOND));
                }
                RuleClauseKind::Holdout(p) => {
                    if !(0.0..=100.0).contains(&p.value) {
                        self.report(
                            Diagnostic::error(Code::BadPercentage, p.span, format!("a holdout of {}% is over 100%", p.text))
                                .with_label("must be between 0% and 100%")
                                .with_help("a holdout is the share of matching customers kept as a control group, e.g. `holdout 10%`"),
                        );
                        ok = false;
                    }
                    holdout = Some((p.value * 100.0).round() as u32);
                }
                RuleClauseKind::Goal(g) => match self.goal(g) {
                    Some(g) => goal = Some(g),
                    None => ok = false,
                },
                RuleClauseKind::When(_) | RuleClauseKind::Send(_) => {}
            }
        }
        if !ok || when.is_none() || send.is_none() {
            return None;
        }
        Some(program::Rule {
            name: rule.name.name.clone(),
            describe,
            tags,
            conjuncts,
            channel,
            message,
            params,
            priority,
            cooldown,
            holdout,
            goal,
        })
    }

    /// A `with` value: a string, number, bool, time or enum, never missing.
    fn check_param(&mut self, e: &ast::Expr) -> Option<program::Expr> {
        let t = self.check_expr(e, &expr::Scope::default())?;
        if t.ty.is_optional() {
            self.optional_error(e, &t.ty);
            return None;
        }
        match t.ty {
            Type::String | Type::Int | Type::Number | Type::Bool | Type::Time | Type::Enum(_) => {
                Some(t.expr)
            }
            ref other => {
                let help = match other {
                    Type::List(_) => "pass one value, e.g. its length with `len(…)`",
                    Type::Duration => "pass a number, e.g. `days(…)` or `hours(…)`",
                    _ => "pass one of its fields, e.g. `company.name`",
                };
                self.report(
                    Diagnostic::error(
                        Code::BadParam,
                        e.span,
                        format!(
                            "a `with` value must be a string, number, bool or time, not {}",
                            self.schema.a_type(other)
                        ),
                    )
                    .with_label(format!("this is {}", self.schema.a_type(other)))
                    .with_help(help),
                );
                None
            }
        }
    }

    // ---------------------------------------------------- suppressions --

    fn suppressions(&mut self, items: &[&Item]) -> Vec<Suppression> {
        let mut out = Vec::new();
        for item in items {
            let Item::Suppress(s) = item else { continue };
            let scope = match &s.scope {
                None => Some(SuppressionScope::All),
                Some(ast::SuppressScope::Channel(c)) => {
                    self.channel(c).map(SuppressionScope::Channel)
                }
                Some(ast::SuppressScope::Tag(t)) => Some(SuppressionScope::Tag(t.name.clone())),
            };
            let mut scope_ = expr::Scope::default();
            let mut parts = Vec::new();
            let mut ok = true;
            for c in s.when.conjuncts() {
                match self.check_expr(c, &scope_) {
                    Some(t)
                        if self.expect_type(
                            &t,
                            &Type::Bool,
                            c,
                            "a suppression's `when` must be a condition",
                        ) =>
                    {
                        parts.push(t.expr)
                    }
                    _ => ok = false,
                }
                scope_.narrow_present(c);
            }
            let (Some(scope), true) = (scope, ok) else {
                continue;
            };
            let mut iter = parts.into_iter();
            let Some(first) = iter.next() else { continue };
            let when = iter.fold(first, |acc, e| {
                program::Expr::And(Box::new(acc), Box::new(e))
            });
            out.push(Suppression {
                name: s.name.name.clone(),
                when,
                text: format::expr(&s.when),
                scope,
            });
        }
        out
    }
}

fn collect_strings(e: &ast::Expr, out: &mut Vec<(String, Span)>) {
    match &e.kind {
        ast::ExprKind::Str(s) => out.push((s.clone(), e.span)),
        ast::ExprKind::Default(a, b) => {
            collect_strings(a, out);
            collect_strings(b, out);
        }
        ast::ExprKind::Paren(x) => collect_strings(x, out),
        _ => {}
    }
}
