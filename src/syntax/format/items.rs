//! The lines of each item in the canonical layout: schema entries, policy
//! clauses, rule clauses and the breaking of long `when` conditions.

use super::{Lines, Role, MAX_WHEN_WIDTH};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::canonical::{clock, duration, expr, goal, names, policy_clause, string};

pub(super) fn item_lines(b: &mut Lines<'_>, item: &Item) {
    match item {
        Item::Schema(schema) => {
            let entries = schema
                .entries
                .iter()
                .map(|e| (schema_entry_text(e), e.span()));
            entry_block(b, "schema", schema.span, schema.keyword, entries);
        }
        Item::Policy(policy) => {
            let clauses = policy
                .clauses
                .iter()
                .map(|c| (policy_clause(&c.kind), c.span));
            entry_block(b, "policy", policy.span, policy.keyword, clauses);
        }
        Item::Segment(d) | Item::Metric(d) => {
            let keyword = if matches!(item, Item::Segment(_)) {
                "segment"
            } else {
                "metric"
            };
            let text = format!("{keyword} {} = {}", d.name.name, expr(&d.expr));
            b.item(false, text, d.span.start, d.span.end);
        }
        Item::Suppress(s) => {
            let mut text = format!("suppress {} when {}", s.name.name, expr(&s.when));
            match &s.scope {
                Some(SuppressScope::Channel(c)) => {
                    text.push_str(&format!(" for channel {}", c.name))
                }
                Some(SuppressScope::Tag(t)) => text.push_str(&format!(" for tag {}", t.name)),
                None => {}
            }
            b.item(false, text, s.span.start, s.span.end);
        }
        Item::Rule(rule) => {
            let text = format!("rule {} {{", rule.name.name);
            b.item(true, text, rule.span.start, rule.name.span.end);
            let mut first = true;
            for clause in &rule.clauses {
                rule_clause_lines(b, &mut first, clause);
            }
            b.close(rule.span, rule.clauses.is_empty());
        }
    }
}

/// A block of one-line entries (`schema { … }`, `policy { … }`).
fn entry_block(
    b: &mut Lines<'_>,
    keyword: &str,
    span: Span,
    keyword_span: Span,
    entries: impl Iterator<Item = (String, Span)>,
) {
    b.item(true, format!("{keyword} {{"), span.start, keyword_span.end);
    let mut first = true;
    for (text, at) in entries {
        b.entry(&mut first, text, at.start, at.end);
    }
    // `first` is still true when there was no entry.
    b.close(span, first);
}

/// `name: type` or `event name [{ properties }]`.
fn schema_entry_text(entry: &SchemaEntry) -> String {
    match entry {
        SchemaEntry::Attribute(f) => field_text(f),
        SchemaEntry::Event(e) if e.props.is_empty() => format!("event {}", e.name.name),
        SchemaEntry::Event(e) => format!("event {} {}", e.name.name, fields_text(&e.props)),
    }
}

fn field_text(f: &FieldDecl) -> String {
    format!("{}: {}", f.name.name, type_text(&f.ty))
}

/// `{ a: T, b: U }`
fn fields_text(fields: &[FieldDecl]) -> String {
    if fields.is_empty() {
        return "{}".to_string();
    }
    let inner: Vec<String> = fields.iter().map(field_text).collect();
    format!("{{ {} }}", inner.join(", "))
}

/// Canonical text of a schema type.
fn type_text(t: &TypeExpr) -> String {
    match &t.kind {
        TypeKind::Named(name) => name.name.clone(),
        TypeKind::Enum(literals) => literals
            .iter()
            .map(|l| string(&l.value))
            .collect::<Vec<_>>()
            .join(" | "),
        TypeKind::List(elem) => format!("list<{}>", type_text(elem)),
        TypeKind::Record(fields) => fields_text(fields),
        TypeKind::Optional(inner) => format!("{}?", type_text(inner)),
    }
}

/// `send email or push`: the channel and its fallbacks.
fn channels_text(send: &SendClause) -> String {
    let mut text = send.channel.name.clone();
    for f in &send.fallbacks {
        text.push_str(" or ");
        text.push_str(&f.name);
    }
    text
}

/// ` with { a: x, b: y }`, or nothing without parameters.
fn params_text(params: &[Param]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = params
        .iter()
        .map(|p| format!("{}: {}", p.name.name, expr(&p.value)))
        .collect();
    format!(" with {{ {} }}", inner.join(", "))
}

fn rule_clause_lines(b: &mut Lines<'_>, first: &mut bool, clause: &RuleClause) {
    let span = clause.span;
    let text = match &clause.kind {
        RuleClauseKind::Describe(s) => format!("describe {}", string(&s.value)),
        RuleClauseKind::Tags(tags) => format!("tags {}", names(tags)),
        RuleClauseKind::Priority { value, .. } => format!("priority {value}"),
        RuleClauseKind::Cooldown(d) => format!("cooldown {}", duration(d)),
        RuleClauseKind::Holdout(p) => format!("holdout {}%", p.text),
        RuleClauseKind::Deliver { at, days } => {
            let mut text = format!("deliver at {}", clock(at));
            if !days.is_empty() {
                text.push_str(" on ");
                text.push_str(&names(days));
            }
            text
        }
        RuleClauseKind::Goal(g) => goal(g),
        RuleClauseKind::When(e) => return when_lines(b, first, span, e),
        RuleClauseKind::Send(send) => match &send.message {
            MessageSpec::Single(m) => format!(
                "send {} {}{}",
                channels_text(send),
                string(&m.value),
                params_text(&send.params)
            ),
            MessageSpec::Variants {
                variants,
                span: vspan,
            } => {
                b.entry(
                    first,
                    format!("send {} {{", channels_text(send)),
                    span.start,
                    send.fallbacks.last().unwrap_or(&send.channel).span.end,
                );
                for v in variants {
                    b.push(
                        Role::Cont,
                        4,
                        4,
                        format!("{} {}%", string(&v.message.value), v.share.text),
                        v.message.span.start,
                        v.share.span.end,
                    );
                }
                b.push(
                    Role::Cont,
                    2,
                    4,
                    format!("}}{}", params_text(&send.params)),
                    vspan.end.saturating_sub(1),
                    span.end,
                );
                return;
            }
        },
    };
    b.entry(first, text, span.start, span.end);
}

/// `when`: one line, or a top-level `and`/`or` chain one operand per line
/// with the keyword right-aligned under `when`.
fn when_lines(b: &mut Lines<'_>, first: &mut bool, span: Span, e: &Expr) {
    let one_line = format!("when {}", expr(e));
    let too_long = 2 + one_line.chars().count() > MAX_WHEN_WIDTH;
    let breaks = |n: usize| n >= 3 || (n == 2 && too_long);
    let conjuncts = e.conjuncts();
    let disjuncts = e.disjuncts();
    let (operands, keyword) = if breaks(conjuncts.len()) {
        (conjuncts, "and")
    } else if breaks(disjuncts.len()) {
        (disjuncts, "or")
    } else {
        b.entry(first, one_line, span.start, span.end);
        return;
    };
    let mut rest = operands.into_iter();
    let Some(head) = rest.next() else {
        b.entry(first, one_line, span.start, span.end);
        return;
    };
    b.entry(
        first,
        format!("when {}", expr(head)),
        span.start,
        head.span.end,
    );
    let indent = 2 + "when".len().saturating_sub(keyword.len());
    for operand in rest {
        b.push(
            Role::Cont,
            indent,
            2,
            format!("{keyword} {}", expr(operand)),
            operand.span.start,
            operand.span.end,
        );
    }
}
