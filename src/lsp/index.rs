//! The names of a ruleset and every place they are written, found by walking
//! the syntax trees: what go-to-definition, references, rename, hover and
//! the outline are answered from. Resolution follows the checker's order: an
//! event property (inside `where`), then an attribute, then a segment or
//! metric, then an event.

use std::collections::HashMap;

use crate::program::builtins::Function;
use crate::syntax::ast::{
    Expr, ExprKind, FieldDecl, FileAst, Ident, Item, PolicyClauseKind, RuleClauseKind, SchemaEntry,
    SuppressScope, TypeExpr, TypeKind,
};
use crate::syntax::{SourceSet, Span};

/// Expressions nest at most this deep before the walk stops (bad input
/// never overflows the stack).
const MAX_DEPTH: usize = 200;

/// What a name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Attribute,
    /// A field of a record attribute (`company.name`).
    Field,
    Event,
    /// A property of an event (`watched.minutes`).
    Property,
    Segment,
    Metric,
    Rule,
    Suppression,
    Channel,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Attribute => "attribute",
            Kind::Field => "field",
            Kind::Event => "event",
            Kind::Property => "property",
            Kind::Segment => "segment",
            Kind::Metric => "metric",
            Kind::Rule => "rule",
            Kind::Suppression => "suppression",
            Kind::Channel => "channel",
        }
    }
}

/// One definition.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: Kind,
    pub name: String,
    /// The event of a property, the attribute of a field.
    pub container: Option<String>,
    /// Where the name is written in the definition.
    pub name_span: Span,
    /// The whole definition.
    pub span: Span,
    /// The type as written (attributes, fields, properties), the expression
    /// (segments, metrics), the description (rules).
    pub detail: String,
    /// The `#` lines right above the definition.
    pub doc: String,
    /// The values of an enum-typed attribute, field or property.
    pub members: Vec<String>,
}

/// One place a name is written, and what it denotes.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: usize,
}

/// Every definition and every use of a ruleset's names.
#[derive(Debug, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub occurrences: Vec<Occurrence>,
    /// Where a built-in function is called, and its entry in the table.
    pub calls: Vec<(Span, &'static Function)>,
    by_name: HashMap<(Kind, Option<String>, String), usize>,
}

impl Index {
    pub fn build<'a>(
        sources: &SourceSet,
        asts: impl Iterator<Item = &'a FileAst> + Clone,
    ) -> Index {
        let mut index = Index::default();
        for ast in asts.clone() {
            for item in &ast.items {
                index.define_item(sources, item);
            }
        }
        for ast in asts {
            for item in &ast.items {
                index.uses_in_item(item);
            }
        }
        index
            .occurrences
            .sort_by_key(|o| (o.span.file, o.span.start));
        index
    }

    pub fn lookup(&self, kind: Kind, container: Option<&str>, name: &str) -> Option<&Symbol> {
        self.find(kind, container, name)
            .and_then(|i| self.symbols.get(i))
    }

    fn find(&self, kind: Kind, container: Option<&str>, name: &str) -> Option<usize> {
        self.by_name
            .get(&(kind, container.map(str::to_string), name.to_string()))
            .copied()
    }

    /// The symbols of one kind, in definition order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Symbol> {
        self.symbols.iter().filter(move |s| s.kind == kind)
    }

    /// The properties of an event.
    pub fn properties<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a Symbol> {
        self.symbols
            .iter()
            .filter(move |s| s.kind == Kind::Property && s.container.as_deref() == Some(event))
    }

    /// The occurrence (definition or use) under a byte offset.
    pub fn at(&self, file: crate::syntax::FileId, offset: usize) -> Option<Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
            .copied()
    }

    /// The built-in function whose name is under a byte offset.
    pub fn call_at(
        &self,
        file: crate::syntax::FileId,
        offset: usize,
    ) -> Option<(Span, &'static Function)> {
        self.calls
            .iter()
            .find(|(span, _)| span.file == file && span.start <= offset && offset <= span.end)
            .copied()
    }

    /// Every occurrence of a symbol, its definition included.
    pub fn occurrences_of(&self, symbol: usize) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(move |o| o.symbol == symbol)
    }

    fn define(&mut self, sources: &SourceSet, symbol: Symbol) {
        let key = (symbol.kind, symbol.container.clone(), symbol.name.clone());
        let i = self.symbols.len();
        let name_span = symbol.name_span;
        // The first definition of a name is the one uses resolve to; a
        // duplicate still gets its own occurrence.
        self.by_name.entry(key).or_insert(i);
        let doc = doc_comment(sources, symbol.span);
        self.symbols.push(Symbol { doc, ..symbol });
        self.occurrences.push(Occurrence {
            span: name_span,
            symbol: i,
        });
    }

    fn define_item(&mut self, sources: &SourceSet, item: &Item) {
        let simple = |kind, name: &Ident, span, detail: String| Symbol {
            kind,
            name: name.name.clone(),
            container: None,
            name_span: name.span,
            span,
            detail,
            doc: String::new(),
            members: Vec::new(),
        };
        match item {
            Item::Schema(schema) => {
                for entry in &schema.entries {
                    match entry {
                        SchemaEntry::Attribute(field) => {
                            let detail = one_line(sources.slice(field.ty.span));
                            self.define(
                                sources,
                                Symbol {
                                    members: enum_members(&field.ty),
                                    ..simple(Kind::Attribute, &field.name, field.span, detail)
                                },
                            );
                            self.define_fields(sources, field);
                        }
                        SchemaEntry::Event(event) => {
                            let props: Vec<String> = event
                                .props
                                .iter()
                                .map(|p| {
                                    format!(
                                        "{}: {}",
                                        p.name.name,
                                        one_line(sources.slice(p.ty.span))
                                    )
                                })
                                .collect();
                            let detail = if props.is_empty() {
                                String::new()
                            } else {
                                format!("{{ {} }}", props.join(", "))
                            };
                            self.define(
                                sources,
                                simple(Kind::Event, &event.name, event.span, detail),
                            );
                            for p in &event.props {
                                let detail = one_line(sources.slice(p.ty.span));
                                self.define(
                                    sources,
                                    Symbol {
                                        container: Some(event.name.name.clone()),
                                        members: enum_members(&p.ty),
                                        ..simple(Kind::Property, &p.name, p.span, detail)
                                    },
                                );
                            }
                        }
                    }
                }
            }
            Item::Policy(policy) => {
                for clause in &policy.clauses {
                    if let PolicyClauseKind::Channels(channels) = &clause.kind {
                        for c in channels {
                            self.define(
                                sources,
                                simple(Kind::Channel, c, clause.span, String::new()),
                            );
                        }
                    }
                }
            }
            Item::Segment(d) => {
                let detail = one_line(sources.slice(d.expr.span));
                self.define(sources, simple(Kind::Segment, &d.name, d.span, detail));
            }
            Item::Metric(d) => {
                let detail = one_line(sources.slice(d.expr.span));
                self.define(sources, simple(Kind::Metric, &d.name, d.span, detail));
            }
            Item::Rule(rule) => {
                let detail = rule
                    .clauses
                    .iter()
                    .find_map(|c| match &c.kind {
                        RuleClauseKind::Describe(s) => Some(s.value.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                self.define(sources, simple(Kind::Rule, &rule.name, rule.span, detail));
            }
            Item::Suppress(s) => {
                let detail = one_line(sources.slice(s.when.span));
                self.define(sources, simple(Kind::Suppression, &s.name, s.span, detail));
            }
        }
    }

    /// The fields of a record attribute (one level, as the checker allows).
    fn define_fields(&mut self, sources: &SourceSet, attribute: &FieldDecl) {
        let mut ty = &attribute.ty;
        if let TypeKind::Optional(inner) = &ty.kind {
            ty = inner;
        }
        if let TypeKind::Record(fields) = &ty.kind {
            for f in fields {
                self.define(
                    sources,
                    Symbol {
                        kind: Kind::Field,
                        name: f.name.name.clone(),
                        container: Some(attribute.name.name.clone()),
                        name_span: f.name.span,
                        span: f.span,
                        detail: one_line(sources.slice(f.ty.span)),
                        doc: String::new(),
                        members: enum_members(&f.ty),
                    },
                );
            }
        }
    }

    fn refer(&mut self, kind: Kind, container: Option<&str>, name: &Ident) {
        if let Some(symbol) = self.find(kind, container, &name.name) {
            self.occurrences.push(Occurrence {
                span: name.span,
                symbol,
            });
        }
    }

    fn uses_in_item(&mut self, item: &Item) {
        match item {
            Item::Schema(_) => {}
            Item::Policy(policy) => {
                for clause in &policy.clauses {
                    match &clause.kind {
                        PolicyClauseKind::Activity(e) | PolicyClauseKind::Timezone(e) => {
                            self.expr(e, None, 0)
                        }
                        PolicyClauseKind::QuietHours { channels, .. } => {
                            for c in channels {
                                self.refer(Kind::Channel, None, c);
                            }
                        }
                        PolicyClauseKind::Cap {
                            channel: Some(c), ..
                        } => self.refer(Kind::Channel, None, c),
                        PolicyClauseKind::Consent { channel, when } => {
                            self.refer(Kind::Channel, None, channel);
                            self.expr(when, None, 0);
                        }
                        PolicyClauseKind::Cap { .. } | PolicyClauseKind::Channels(_) => {}
                    }
                }
            }
            Item::Segment(d) | Item::Metric(d) => self.expr(&d.expr, None, 0),
            Item::Rule(rule) => {
                for clause in &rule.clauses {
                    match &clause.kind {
                        RuleClauseKind::When(e) => self.expr(e, None, 0),
                        RuleClauseKind::Send(send) => {
                            self.refer(Kind::Channel, None, &send.channel);
                            for c in &send.fallbacks {
                                self.refer(Kind::Channel, None, c);
                            }
                            for p in &send.params {
                                self.expr(&p.value, None, 0);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Item::Suppress(s) => {
                self.expr(&s.when, None, 0);
                if let Some(SuppressScope::Channel(c)) = &s.scope {
                    self.refer(Kind::Channel, None, c);
                }
            }
        }
    }

    /// Records the names used in an expression; `event` is the event whose
    /// properties are in scope (inside `where`).
    fn expr(&mut self, e: &Expr, event: Option<&str>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        match &e.kind {
            ExprKind::Call {
                func, func_span, ..
            } => self.calls.push((*func_span, func.function())),
            ExprKind::Never { event: ev, .. } | ExprKind::AtLeast { event: ev, .. } => {
                self.refer(Kind::Event, None, ev);
            }
            ExprKind::Aggregate {
                kind,
                func_span,
                event: ev,
                property,
                filter,
                window,
            } => {
                self.calls.push((*func_span, kind.function()));
                if let Some(w) = window {
                    self.expr(w, event, d);
                }
                self.refer(Kind::Event, None, ev);
                if let Some(p) = property {
                    self.refer(Kind::Property, Some(&ev.name), p);
                }
                // Inside `where`, names are the event's properties.
                if let Some(f) = filter {
                    self.expr(f, Some(&ev.name), d);
                }
                return;
            }
            ExprKind::Path(parts) => self.path(parts, event),
            _ => {}
        }
        for c in e.children().into_iter().chain(e.window()) {
            self.expr(c, event, d);
        }
    }

    fn path(&mut self, parts: &[Ident], event: Option<&str>) {
        let Some(first) = parts.first() else { return };
        if let Some(ev) = event {
            if self.find(Kind::Property, Some(ev), &first.name).is_some() {
                self.refer(Kind::Property, Some(ev), first);
                return;
            }
        }
        if self.find(Kind::Attribute, None, &first.name).is_some() {
            self.refer(Kind::Attribute, None, first);
            if let Some(field) = parts.get(1) {
                self.refer(Kind::Field, Some(&first.name), field);
            }
            return;
        }
        for kind in [Kind::Segment, Kind::Metric, Kind::Event] {
            if self.find(kind, None, &first.name).is_some() {
                self.refer(kind, None, first);
                return;
            }
        }
    }
}

/// The values of an enum type (optional or not).
fn enum_members(ty: &TypeExpr) -> Vec<String> {
    match &ty.kind {
        TypeKind::Optional(inner) => enum_members(inner),
        TypeKind::Enum(values) => values.iter().map(|v| v.value.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Collapses runs of whitespace so multi-line text fits one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `#` lines right above a span's line (no blank line between), without
/// the `#` and one following space.
fn doc_comment(sources: &SourceSet, span: Span) -> String {
    let Some(file) = sources.get(span.file) else {
        return String::new();
    };
    let before = file.text.get(..span.start).unwrap_or("");
    // Text on the definition's own line before it (indentation) is skipped.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let above = before.get(..line_start).unwrap_or("");
    let mut lines: Vec<&str> = Vec::new();
    for line in above.lines().rev() {
        let trimmed = line.trim();
        match trimmed.strip_prefix('#') {
            Some(rest) => lines.push(rest.strip_prefix(' ').unwrap_or(rest)),
            None => break,
        }
    }
    lines.reverse();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse_file, SourceFile};

    fn index(files: &[(&str, &str)]) -> (SourceSet, Index) {
        let mut sources = SourceSet::new();
        for (name, text) in files {
            sources.add(SourceFile::new(*name, *text));
        }
        let asts: Vec<FileAst> = sources
            .files()
            .map(|(id, f)| parse_file(id, &f.text).0)
            .collect();
        let index = Index::build(&sources, asts.iter());
        (sources, index)
    }

    #[test]
    fn resolves_names_across_files_with_docs() {
        let (sources, index) = index(&[
            (
                "a.nudge",
                "schema {\n  # The plan.\n  plan: \"trial\" | \"pro\"\n  event watched { minutes: number }\n}\npolicy { channels email }\n",
            ),
            (
                "b.nudge",
                "# Trials.\nsegment trial = plan == \"trial\"\nmetric m = sum(watched.minutes) + count(watched where minutes > 1)\nrule r { when trial and m > 1 send email \"x\" cooldown 1 day }\n",
            ),
        ]);
        let plan = index.lookup(Kind::Attribute, None, "plan").unwrap();
        assert_eq!(plan.detail, "\"trial\" | \"pro\"");
        assert_eq!(plan.doc, "The plan.");
        assert_eq!(
            index.lookup(Kind::Segment, None, "trial").unwrap().doc,
            "Trials."
        );
        let minutes = index
            .symbols
            .iter()
            .position(|s| s.kind == Kind::Property && s.name == "minutes")
            .unwrap();
        let uses: Vec<&str> = index
            .occurrences_of(minutes)
            .map(|o| sources.slice(o.span))
            .collect();
        assert_eq!(uses, ["minutes", "minutes", "minutes"]);
        let email = index
            .symbols
            .iter()
            .position(|s| s.kind == Kind::Channel)
            .unwrap();
        assert_eq!(index.occurrences_of(email).count(), 2);
    }
}
