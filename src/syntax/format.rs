//! The canonical formatter: prints syntax trees back as source text in one
//! layout. `expr` is also the canonical text of an expression, used for
//! narrowing keys and for the `because` of decision records.
//!
//! [`format_source`] is the file formatter behind `nudge fmt`: it parses a
//! file, prints every item in the canonical layout and puts every comment
//! back (comments are not in the syntax tree: they are found by scanning the
//! source text and attached to the printed lines by source position).

use super::ast::*;
use super::{parse_file, FileId};
use crate::diagnostic::Diagnostic;

/// Canonical text of an expression: single spaces, the author's parentheses
/// and literal spellings kept.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Canonical text of a duration: `7 days`, `7d` (short units stay glued).
pub fn duration(d: &DurationLit) -> String {
    if matches!(d.unit_text.as_str(), "d" | "h" | "w" | "min" | "mins") {
        format!("{}{}", d.amount, d.unit_text)
    } else {
        format!("{} {}", d.amount, d.unit_text)
    }
}

/// A string literal with the escapes the grammar knows.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn window(out: &mut String, w: &Option<DurationLit>) {
    if let Some(d) = w {
        out.push_str(" within ");
        out.push_str(&duration(d));
    }
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Or(a, b) => binary(out, a, "or", b),
        ExprKind::And(a, b) => binary(out, a, "and", b),
        ExprKind::Not(x) => {
            out.push_str("not ");
            write_expr(out, x);
        }
        ExprKind::Compare(op, a, b) => binary(out, a, op.symbol(), b),
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            write_expr(out, value);
            out.push_str(if *negated { " not in [" } else { " in [" });
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item);
            }
            out.push(']');
        }
        ExprKind::Contains(a, b) => binary(out, a, "contains", b),
        ExprKind::IsPresent(x) => {
            write_expr(out, x);
            out.push_str(" is present");
        }
        ExprKind::IsMissing(x) => {
            write_expr(out, x);
            out.push_str(" is missing");
        }
        ExprKind::OlderThan(a, b) => binary(out, a, "older than", b),
        ExprKind::Within(a, b) => binary(out, a, "within", b),
        ExprKind::InactiveFor(d) => {
            out.push_str("inactive for ");
            out.push_str(&duration(d));
        }
        ExprKind::Never { event, window: w } => {
            out.push_str("never ");
            out.push_str(&event.name);
            window(out, w);
        }
        ExprKind::AtLeast {
            event,
            count,
            plural,
            window: w,
            ..
        } => {
            out.push_str(&format!(
                "{} at least {} {}",
                event.name,
                count,
                if *plural { "times" } else { "time" }
            ));
            window(out, w);
        }
        ExprKind::Sent {
            message,
            window: w,
            negated,
        } => {
            if *negated {
                out.push_str("never ");
            }
            out.push_str("sent ");
            out.push_str(&string(&message.value));
            window(out, w);
        }
        ExprKind::Default(a, b) => binary(out, a, "??", b),
        ExprKind::Arith(op, a, b) => binary(out, a, op.symbol(), b),
        ExprKind::Neg(x) => {
            out.push('-');
            write_expr(out, x);
        }
        ExprKind::Call { func, args, .. } => {
            out.push_str(func.name());
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a);
            }
            out.push(')');
        }
        ExprKind::Aggregate {
            kind,
            event,
            property,
            filter,
            window: w,
            ..
        } => {
            out.push_str(kind.name());
            out.push('(');
            out.push_str(&event.name);
            if let Some(p) = property {
                out.push('.');
                out.push_str(&p.name);
            }
            if let Some(f) = filter {
                out.push_str(" where ");
                write_expr(out, f);
            }
            window(out, w);
            out.push(')');
        }
        ExprKind::Path(parts) => {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(&p.name);
            }
        }
        ExprKind::Str(s) => out.push_str(&string(s)),
        ExprKind::Int(_, text) | ExprKind::Number(_, text) => out.push_str(text),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Duration(d) => out.push_str(&duration(d)),
        ExprKind::Now => out.push_str("now"),
        ExprKind::Paren(x) => {
            out.push('(');
            write_expr(out, x);
            out.push(')');
        }
    }
}

fn binary(out: &mut String, a: &Expr, op: &str, b: &Expr) {
    write_expr(out, a);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    write_expr(out, b);
}

// ------------------------------------------------------------------ files --

/// The widest a one-line `when` may be (indentation included) before its
/// top-level `and`/`or` chain is broken one operand per line.
const MAX_WHEN_WIDTH: usize = 80;

/// Formats one rule file in the canonical layout, keeping every comment.
///
/// Returns the parse diagnostics when any of them is an error (a file that
/// does not parse is never reformatted). The result is idempotent and parses
/// to the same syntax tree as `text`, spans aside.
///
/// The layout (LANGUAGE.md section 1 is the reference):
/// - items in source order; one blank line between two items when either is
///   a block (`schema`, `policy`, `rule`) or the source had a blank line
///   between them, none otherwise; one newline at the end of the file;
/// - blocks indent by two spaces, one entry per line, clauses in the order
///   written; a blank line between entries where the source had one or more,
///   none after `{` or before `}`;
/// - a `when` whose top-level `and` (else `or`) chain has three or more
///   operands, or whose one-line form is wider than 80 columns, puts one
///   operand per line with the keyword right-aligned under `when`;
/// - `send CH { ... }` variants one per line, `with { ... }` on one line;
/// - a comment alone on its line goes before the next printed line of the
///   same item (before `}` at the end of a block; before the item itself when
///   the item has no later line); a comment after code goes after the printed
///   line holding that code (two spaces, `# ...`); a second one on the same
///   printed line goes before that line.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diagnostics) = parse_file(file, text);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(print_file(&ast, text))
}

/// A `#` comment found in the source.
#[derive(Debug, Clone)]
struct Comment {
    /// Offset of the `#`.
    start: usize,
    /// Offset after the comment's last non-blank character.
    end: usize,
    /// The comment from `#`, trailing whitespace trimmed.
    text: String,
    /// For a comment after code on the same line: the offset of the code's
    /// last character. `None` for a comment alone on its line.
    code_before: Option<usize>,
}

/// Every comment of the source, in order. `#` inside string literals is not
/// a comment.
fn scan_comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut code_before: Option<usize> = None;
    let mut open: Option<(usize, Option<usize>)> = None;
    let finish = |start: usize, code_before: Option<usize>, out: &mut Vec<Comment>| {
        let rest = text.get(start..).unwrap_or("");
        let body = rest
            .get(..rest.find('\n').unwrap_or(rest.len()))
            .unwrap_or("")
            .trim_end();
        out.push(Comment {
            start,
            end: start + body.len(),
            text: body.to_string(),
            code_before,
        });
    };
    for (i, c, lexeme) in super::prescan::lex(text) {
        match lexeme {
            super::prescan::Lexeme::Comment => {
                if open.is_none() {
                    open = Some((i, code_before));
                }
                if c == '\n' {
                    if let Some((start, before)) = open.take() {
                        finish(start, before, &mut out);
                    }
                    code_before = None;
                }
            }
            _ if c == '\n' => code_before = None,
            _ if c.is_whitespace() => {}
            _ => code_before = Some(i),
        }
    }
    if let Some((start, before)) = open {
        finish(start, before, &mut out);
    }
    out
}

/// What a printed line is, for the blank-line rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The (first) line of a top-level item.
    Item { block: bool },
    /// The first line of a block entry (schema entry, policy or rule clause).
    Entry { first: bool },
    /// A further line of an entry: `and`/`or` lines, variants, variants' `}`.
    Cont,
    /// The `}` closing a top-level block.
    Close { empty: bool },
}

/// One printed line, tied to the source code it prints.
#[derive(Debug, Clone)]
struct Line {
    role: Role,
    /// Index of the top-level item the line belongs to.
    item: usize,
    indent: usize,
    /// Indentation of the comments printed before the line.
    comment_indent: usize,
    text: String,
    /// Source offset of the line's first token.
    anchor: usize,
    /// Source offset just after the code the line prints.
    end: usize,
    /// Indices of the comments printed before the line, in order.
    leading: Vec<usize>,
    /// Indices of the comments printed after the line's code.
    trailing: Vec<usize>,
}

/// Builds the lines of a file, in source order.
struct Lines<'a> {
    text: &'a str,
    comments: &'a [Comment],
    item: usize,
    lines: Vec<Line>,
}

impl Lines<'_> {
    fn push(
        &mut self,
        role: Role,
        indent: usize,
        comment_indent: usize,
        text: String,
        anchor: usize,
        end: usize,
    ) {
        let end = code_end(self.text, self.comments, end);
        self.lines.push(Line {
            role,
            item: self.item,
            indent,
            comment_indent,
            text,
            anchor,
            end,
            leading: Vec::new(),
            trailing: Vec::new(),
        });
    }

    /// One line of a block: the first one gets no blank line before it.
    fn entry(&mut self, first: &mut bool, text: String, anchor: usize, end: usize) {
        self.push(Role::Entry { first: *first }, 2, 2, text, anchor, end);
        *first = false;
    }

    /// The `}` of a top-level block spanning `span`.
    fn close(&mut self, span: super::Span, empty: bool) {
        self.push(
            Role::Close { empty },
            0,
            2,
            "}".to_string(),
            span.end.saturating_sub(1),
            span.end,
        );
    }
}

/// The end of the code of a span: spans may run on over the whitespace and
/// comments after their last token, which are not theirs to print.
fn code_end(text: &str, comments: &[Comment], mut end: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while end > 0
            && bytes
                .get(end - 1)
                .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            end -= 1;
        }
        let found = comments.partition_point(|c| c.end < end);
        match comments.get(found) {
            Some(c) if c.end == end && c.start < end => end = c.start,
            _ => return end,
        }
    }
}

/// A top-level item's source range, without what follows its last token.
#[derive(Debug, Clone, Copy)]
struct ItemRange {
    start: usize,
    end: usize,
}

fn print_file(ast: &FileAst, text: &str) -> String {
    let comments = scan_comments(text);
    let mut builder = Lines {
        text,
        comments: &comments,
        item: 0,
        lines: Vec::new(),
    };
    for (index, item) in ast.items.iter().enumerate() {
        builder.item = index;
        item_lines(&mut builder, item);
    }
    let mut lines = builder.lines;
    let items: Vec<ItemRange> = ast
        .items
        .iter()
        .map(|it| ItemRange {
            start: it.span().start,
            end: code_end(text, &comments, it.span().end),
        })
        .collect();
    let eof = attach_comments(&mut lines, &comments, &items);
    render(&lines, &comments, &eof, &items, text)
}

/// Attaches every comment to a line; returns the comments left for the end
/// of the file.
fn attach_comments(lines: &mut [Line], comments: &[Comment], items: &[ItemRange]) -> Vec<usize> {
    let mut eof = Vec::new();
    for (index, comment) in comments.iter().enumerate() {
        // A comment after code: trailing comment of the line printing that code.
        if let Some(code) = comment.code_before {
            let after = lines.partition_point(|l| l.anchor <= code);
            if let Some(line) = after.checked_sub(1).and_then(|i| lines.get_mut(i)) {
                line.trailing.push(index);
                continue;
            }
        }
        // A comment alone on its line: leading comment of the next line, if
        // that line is in the same item; a comment inside an item with no
        // later line of its own (a one-line item written over several lines)
        // goes before the line it is in instead.
        let p = comment.start;
        let inside = items
            .partition_point(|it| it.start <= p)
            .checked_sub(1)
            .filter(|&i| items.get(i).is_some_and(|it| p < it.end));
        let next = lines.partition_point(|l| l.anchor <= p);
        let target = match (lines.get(next), inside) {
            (Some(_), None) => Some(next),
            (Some(line), Some(item)) if line.item == item => Some(next),
            (_, Some(item)) => next
                .checked_sub(1)
                .filter(|&i| lines.get(i).is_some_and(|l| l.item == item)),
            (None, None) => None,
        };
        match target.and_then(|i| lines.get_mut(i)) {
            Some(line) => line.leading.push(index),
            None => eof.push(index),
        }
    }
    // Two trailing comments on one printed line: the first stays, the others
    // go before the line.
    for line in lines.iter_mut() {
        if line.trailing.len() > 1 {
            let extra = line.trailing.split_off(1);
            line.leading.extend(extra);
        }
    }
    eof
}

/// Whether the source between two offsets holds a blank line.
fn has_blank_line(text: &str, from: usize, to: usize) -> bool {
    let Some(between) = text.get(from..to) else {
        return false;
    };
    let mut seen_newline = false;
    let mut content = false;
    for c in between.chars() {
        if c == '\n' {
            if seen_newline && !content {
                return true;
            }
            seen_newline = true;
            content = false;
        } else if !c.is_whitespace() {
            content = true;
        }
    }
    false
}

fn render(
    lines: &[Line],
    comments: &[Comment],
    eof: &[usize],
    items: &[ItemRange],
    text: &str,
) -> String {
    let mut out: Vec<String> = Vec::new();
    // Source end of the last printed comment or code.
    let mut prev_end = 0;
    let mut prev_block = false;
    let source_blank =
        |prev_end: usize, start: usize| prev_end < start && has_blank_line(text, prev_end, start);
    for line in lines {
        let elements = line
            .leading
            .iter()
            .filter_map(|&i| comments.get(i).map(Some))
            .chain(std::iter::once(None));
        for (n, element) in elements.enumerate() {
            let (start, end) = match element {
                Some(c) => (c.start, c.end),
                None => (line.anchor, line.end),
            };
            let from_source = source_blank(prev_end, start.min(line.anchor));
            let blank = match line.role {
                Role::Item { block } if n == 0 => {
                    let item_start = items.get(line.item).map_or(line.anchor, |it| it.start);
                    !out.is_empty()
                        && (block || prev_block || source_blank(prev_end, start.min(item_start)))
                }
                Role::Entry { first: true } | Role::Close { empty: true } if n == 0 => false,
                Role::Close { .. } if element.is_none() => false,
                Role::Cont => false,
                _ => from_source,
            };
            if blank && !out.is_empty() {
                out.push(String::new());
            }
            match element {
                Some(c) => out.push(format!("{}{}", " ".repeat(line.comment_indent), c.text)),
                None => {
                    let mut printed = format!("{}{}", " ".repeat(line.indent), line.text);
                    if let Some(c) = line.trailing.first().and_then(|&i| comments.get(i)) {
                        printed.push_str("  ");
                        printed.push_str(&c.text);
                    }
                    out.push(printed);
                }
            }
            prev_end = prev_end.max(end);
        }
        if let Role::Item { block } = line.role {
            prev_block = block;
        }
    }
    for c in eof.iter().filter_map(|&i| comments.get(i)) {
        if !out.is_empty() && source_blank(prev_end, c.start) {
            out.push(String::new());
        }
        out.push(c.text.clone());
        prev_end = prev_end.max(c.end);
    }
    if out.is_empty() {
        return String::new();
    }
    let mut result = out.join("\n");
    result.push('\n');
    result
}

// ------------------------------------------------------------------ items --

fn item_lines(b: &mut Lines<'_>, item: &Item) {
    match item {
        Item::Schema(schema) => {
            b.push(
                Role::Item { block: true },
                0,
                0,
                "schema {".to_string(),
                schema.span.start,
                schema.keyword.end,
            );
            let mut first = true;
            for entry in &schema.entries {
                let span = entry.span();
                let text = match entry {
                    SchemaEntry::Attribute(f) => field_text(f),
                    SchemaEntry::Event(e) if e.props.is_empty() => format!("event {}", e.name.name),
                    SchemaEntry::Event(e) => {
                        format!("event {} {}", e.name.name, fields_text(&e.props))
                    }
                };
                b.entry(&mut first, text, span.start, span.end);
            }
            b.close(schema.span, schema.entries.is_empty());
        }
        Item::Policy(policy) => {
            b.push(
                Role::Item { block: true },
                0,
                0,
                "policy {".to_string(),
                policy.span.start,
                policy.keyword.end,
            );
            let mut first = true;
            for clause in &policy.clauses {
                let text = policy_clause_text(&clause.kind);
                b.entry(&mut first, text, clause.span.start, clause.span.end);
            }
            b.close(policy.span, policy.clauses.is_empty());
        }
        Item::Segment(d) | Item::Metric(d) => {
            let keyword = if matches!(item, Item::Segment(_)) {
                "segment"
            } else {
                "metric"
            };
            b.push(
                Role::Item { block: false },
                0,
                0,
                format!("{keyword} {} = {}", d.name.name, expr(&d.expr)),
                d.span.start,
                d.span.end,
            );
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
            b.push(
                Role::Item { block: false },
                0,
                0,
                text,
                s.span.start,
                s.span.end,
            );
        }
        Item::Rule(rule) => {
            b.push(
                Role::Item { block: true },
                0,
                0,
                format!("rule {} {{", rule.name.name),
                rule.span.start,
                rule.name.span.end,
            );
            let mut first = true;
            for clause in &rule.clauses {
                rule_clause_lines(b, &mut first, clause);
            }
            b.close(rule.span, rule.clauses.is_empty());
        }
    }
}

fn names(list: &[Ident]) -> String {
    list.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
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

fn clock(c: &ClockLit) -> String {
    format!("{:02}:{:02}", c.hour, c.minute)
}

fn policy_clause_text(kind: &PolicyClauseKind) -> String {
    match kind {
        PolicyClauseKind::Channels(list) => format!("channels {}", names(list)),
        PolicyClauseKind::Activity(e) => format!("activity {}", expr(e)),
        PolicyClauseKind::Timezone(e) => format!("timezone {}", expr(e)),
        PolicyClauseKind::QuietHours { from, to, channels } => {
            let mut text = format!("quiet hours {} to {}", clock(from), clock(to));
            if !channels.is_empty() {
                text.push_str(" for ");
                text.push_str(&names(channels));
            }
            text
        }
        PolicyClauseKind::Cap {
            count,
            channel,
            per,
            bare_unit,
            ..
        } => {
            let mut text = format!("at most {count}");
            if let Some(c) = channel {
                text.push(' ');
                text.push_str(&c.name);
            }
            text.push_str(if *count == 1 {
                " message per "
            } else {
                " messages per "
            });
            if *bare_unit {
                text.push_str(&per.unit_text);
            } else {
                text.push_str(&duration(per));
            }
            text
        }
    }
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

/// `goal EVENT [where COND] within D`, as written canonically (also shown by
/// `explain` and `nudge report`).
pub fn goal(g: &GoalClause) -> String {
    let mut out = format!("goal {}", g.event.name);
    if let Some(f) = &g.filter {
        out.push_str(" where ");
        write_expr(&mut out, f);
    }
    out.push_str(" within ");
    out.push_str(&duration(&g.within));
    out
}

fn rule_clause_lines(b: &mut Lines<'_>, first: &mut bool, clause: &RuleClause) {
    let span = clause.span;
    let text = match &clause.kind {
        RuleClauseKind::Describe(s) => format!("describe {}", string(&s.value)),
        RuleClauseKind::Tags(tags) => format!("tags {}", names(tags)),
        RuleClauseKind::Priority { value, .. } => format!("priority {value}"),
        RuleClauseKind::Cooldown(d) => format!("cooldown {}", duration(d)),
        RuleClauseKind::Holdout(p) => format!("holdout {}%", p.text),
        RuleClauseKind::Goal(g) => goal(g),
        RuleClauseKind::When(e) => return when_lines(b, first, span, e),
        RuleClauseKind::Send(send) => match &send.message {
            MessageSpec::Single(m) => format!(
                "send {} {}{}",
                send.channel.name,
                string(&m.value),
                params_text(&send.params)
            ),
            MessageSpec::Variants {
                variants,
                span: vspan,
            } => {
                b.entry(
                    first,
                    format!("send {} {{", send.channel.name),
                    span.start,
                    send.channel.span.end,
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
fn when_lines(b: &mut Lines<'_>, first: &mut bool, span: super::Span, e: &Expr) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format_source(FileId(0), text) {
            Ok(out) => out,
            Err(d) => panic!("parse errors in {text:?}: {d:?}"),
        }
    }

    /// Formats and checks that formatting again changes nothing.
    fn fmt_stable(text: &str) -> String {
        let once = fmt(text);
        assert_eq!(fmt(&once), once, "not idempotent, from:\n{text}");
        once
    }

    /// The examples of LANGUAGE.md section 1, the style reference.
    const SPEC_SCHEMA: &str = r#"# rules/schema.nudge
schema {
  plan: "trial" | "starter" | "pro" | "enterprise"
  signed_up_at: time
  last_seen_at: time?
  churned_at: time?
  seats_paid: int
  seats_active: int
  mrr: number
  open_tickets: int
  vip: bool
  email_opt_in: bool
  first_name: string?
  timezone: string?
  feature_requests: list<string>
  company: { name: string, industry: string? }

  event imported_data
  event invited_teammate
  event logged_in
  event watched { minutes: number }
  event feature_used { feature: string }
}

policy {
  channels email, in_app, push
  activity last_seen_at ?? signed_up_at
  timezone timezone ?? "UTC"
  quiet hours 21:00 to 08:00
  at most 1 message per day
  at most 3 messages per 7 days
  at most 2 email messages per 7 days
}
"#;

    const SPEC_RULES: &str = r#"# rules/onboarding.nudge
segment trial = plan == "trial"
segment getting_value = sum(watched.minutes within 30 days) >= 15
metric breadth = distinct(feature_used.feature within 30 days)

# Trial users who stalled before importing their data.
rule import_guide {
  describe "Trial users inactive for a week who never imported data get the import guide"
  tags onboarding, reminder
  when trial
   and inactive for 7 days
   and never imported_data
  send email "import_guide" with { name: first_name ?? "there" }
  priority 80
  cooldown 14 days
  holdout 10%
}

# Ask for teammates only after a milestone.
rule invite_teammates {
  when imported_data at least 1 time
   and feature_used at least 5 times within 14 days
   and never invited_teammate
  send in_app "invite_teammates"
  priority 50
  cooldown 30 days
}

rule whats_new_digest {
  when inactive for 30 days and plan != "trial"
  send email {
    "whats_new_a" 50%
    "whats_new_b" 50%
  }
  priority 20
  cooldown 30 days
}

suppress support_first when vip and open_tickets >= 2 for tag reminder
suppress no_email_consent when not email_opt_in for channel email
suppress long_gone when churned_at is present and churned_at older than 180 days
"#;

    #[test]
    fn spec_examples_are_canonical() {
        assert_eq!(fmt(SPEC_SCHEMA), SPEC_SCHEMA);
        assert_eq!(fmt(SPEC_RULES), SPEC_RULES);
    }

    #[test]
    fn parse_errors_are_returned() {
        let errors = format_source(FileId(0), "rule x {\n  when\n}\n");
        assert!(errors.is_err_and(|d| d.iter().any(Diagnostic::is_error)));
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("\n\n# a  \n\n\n#b\n\n"), "# a\n\n#b\n");
    }

    #[test]
    fn schema_types_are_canonical() {
        let out = fmt_stable(
            "schema { a:int b : list < string >? c:{x:string,y:\"p\"|\"q\"?} d: \"a\"|\"b\"\n\
             event e event f {} event g { p: number q: string? } }",
        );
        assert_eq!(
            out,
            "schema {\n  a: int\n  b: list<string>?\n  c: { x: string, y: \"p\" | \"q\"? }\n  d: \"a\" | \"b\"\n  \
             event e\n  event f\n  event g { p: number, q: string? }\n}\n"
        );
    }

    #[test]
    fn policy_clauses_are_canonical() {
        let out = fmt_stable(
            "policy { channels a ,b,c activity x??y timezone \"UTC\" quiet hours 9:05 to 7:00 \
             quiet hours 21:00 to 08:00 for a,b at most 1 messages per day at most 2 a message per 7d \
             at most 3 messages per 1 week at most 4 messages per days }",
        );
        assert_eq!(
            out,
            "policy {\n  channels a, b, c\n  activity x ?? y\n  timezone \"UTC\"\n  quiet hours 09:05 to 07:00\n  \
             quiet hours 21:00 to 08:00 for a, b\n  at most 1 message per day\n  at most 2 a messages per 7d\n  \
             at most 3 messages per 1 week\n  at most 4 messages per days\n}\n"
        );
    }

    #[test]
    fn goal_clauses_are_canonical() {
        let out = fmt_stable(
            "rule r { when a send push \"m\" goal   watched  where minutes>=5 and (big) within 2d }\n\
             rule s { when a send push \"n\" goal logged_in within 14 days }",
        );
        assert_eq!(
            out,
            "rule r {\n  when a\n  send push \"m\"\n  goal watched where minutes >= 5 and (big) within 2d\n}\n\n\
             rule s {\n  when a\n  send push \"n\"\n  goal logged_in within 14 days\n}\n"
        );
    }

    #[test]
    fn rule_clauses_keep_their_order() {
        let out = fmt_stable(
            "rule r { holdout 2.5% cooldown 2w priority -3 send push \"m\" with {a:1,b:x??\"y\"} \
             when a tags x,y describe \"d \\\"q\\\"\" }",
        );
        assert_eq!(
            out,
            "rule r {\n  holdout 2.5%\n  cooldown 2w\n  priority -3\n  send push \"m\" with { a: 1, b: x ?? \"y\" }\n  \
             when a\n  tags x, y\n  describe \"d \\\"q\\\"\"\n}\n"
        );
    }

    #[test]
    fn variants_print_as_a_block() {
        let out = fmt_stable(
            "rule r {\n  send email { \"a\" 50% \"b\" 50% } with { n: 1 }\n  when x\n}\n",
        );
        assert_eq!(
            out,
            "rule r {\n  send email {\n    \"a\" 50%\n    \"b\" 50%\n  } with { n: 1 }\n  when x\n}\n"
        );
        let out = fmt_stable("rule r {\n  send email {\"a\" 60%, \"b\" 40%,}\n}\n");
        assert_eq!(
            out,
            "rule r {\n  send email {\n    \"a\" 60%\n    \"b\" 40%\n  }\n}\n"
        );
    }

    #[test]
    fn when_with_three_conjuncts_breaks() {
        let out = fmt_stable("rule r {\n  when a and (b or c) and not d\n}\n");
        assert_eq!(
            out,
            "rule r {\n  when a\n   and (b or c)\n   and not d\n}\n"
        );
    }

    #[test]
    fn when_with_two_short_conjuncts_stays_on_one_line() {
        let out = fmt_stable("rule r {\n  when a\n   and b\n}\n");
        assert_eq!(out, "rule r {\n  when a and b\n}\n");
        // Parentheses make one conjunct; nested chains never break.
        let out = fmt_stable("rule r {\n  when (a and b and c)\n}\n");
        assert_eq!(out, "rule r {\n  when (a and b and c)\n}\n");
    }

    #[test]
    fn long_two_conjunct_when_breaks() {
        let a = "a_very_long_attribute_name_number_one == \"some fairly long value\"";
        let b = "another_long_attribute_name >= 12345";
        let out = fmt_stable(&format!("rule r {{\n  when {a} and {b}\n}}\n"));
        assert_eq!(out, format!("rule r {{\n  when {a}\n   and {b}\n}}\n"));
        // Exactly 80 columns stays on one line.
        let c = "x".repeat(80 - "  when a and ".len());
        let out = fmt_stable(&format!("rule r {{\n  when a and {c}\n}}\n"));
        assert_eq!(out, format!("rule r {{\n  when a and {c}\n}}\n"));
    }

    #[test]
    fn or_chains_break_with_or_aligned_under_when() {
        let out = fmt_stable("rule r {\n  when a or b and c or d\n}\n");
        assert_eq!(out, "rule r {\n  when a\n    or b and c\n    or d\n}\n");
        let out = fmt_stable("rule r {\n  when a or b\n}\n");
        assert_eq!(out, "rule r {\n  when a or b\n}\n");
    }

    #[test]
    fn one_line_items() {
        let out = fmt_stable(
            "segment  s=a\nmetric m = count( e where p==1 within 7 days )\nsuppress x when a or b for channel email\n\
             suppress y when c for tag t\nsuppress z when d\n",
        );
        assert_eq!(
            out,
            "segment s = a\nmetric m = count(e where p == 1 within 7 days)\n\
             suppress x when a or b for channel email\nsuppress y when c for tag t\nsuppress z when d\n"
        );
    }

    #[test]
    fn blank_lines_between_items() {
        // One-line items together stay together; a blank line in the source
        // (however many) becomes one; block items always get one.
        let out = fmt_stable("\n\nsegment a = 1\nsegment b = 2\n\n\n\nsegment c = 3\nrule r {\n  when a\n}\nsegment d = 4\n\n\n");
        assert_eq!(
            out,
            "segment a = 1\nsegment b = 2\n\nsegment c = 3\n\nrule r {\n  when a\n}\n\nsegment d = 4\n"
        );
        let out = fmt_stable("schema { a: int }\npolicy { channels email }\nsegment a = 1");
        assert_eq!(
            out,
            "schema {\n  a: int\n}\n\npolicy {\n  channels email\n}\n\nsegment a = 1\n"
        );
    }

    #[test]
    fn blank_lines_inside_blocks() {
        let out = fmt_stable("rule r {\n\n\n  when a\n\n\n\n  send e \"m\"\n  priority 1\n\n}\n");
        assert_eq!(
            out,
            "rule r {\n  when a\n\n  send e \"m\"\n  priority 1\n}\n"
        );
        // No blank lines inside a broken `when` or a variants block.
        let out = fmt_stable(
            "rule r {\n  when a\n\n and b\n\n and c\n  send e {\n\n \"x\" 100%\n\n }\n}\n",
        );
        assert_eq!(
            out,
            "rule r {\n  when a\n   and b\n   and c\n  send e {\n    \"x\" 100%\n  }\n}\n"
        );
    }

    #[test]
    fn leading_and_trailing_comments() {
        let src = "# file header\n\n# about a\nsegment a = 1   # one\n# about r\nrule r { # the rule\n  # the condition\n  when a and b and c # c\n  \
                   # about b\n   and d\n  send e { # variants\n    # first\n    \"x\" 50%\n    \"y\" 50% # second\n  } # after\n}\n";
        let out = fmt_stable(src);
        assert_eq!(
            out,
            "# file header\n\n# about a\nsegment a = 1  # one\n\n# about r\nrule r {  # the rule\n  # the condition\n  when a\n   and b\n   and c  # c\n  \
             # about b\n   and d\n  send e {  # variants\n    # first\n    \"x\" 50%\n    \"y\" 50%  # second\n  }  # after\n}\n"
        );
    }

    #[test]
    fn comments_at_the_end_of_blocks_and_file() {
        let src = "rule r {\n  when a\n\n  # disabled:\n  # priority 3\n\n}\nschema {\n  a: int\n  # more later\n}\n\n# the end\n";
        let out = fmt_stable(src);
        assert_eq!(
            out,
            "rule r {\n  when a\n\n  # disabled:\n  # priority 3\n}\n\nschema {\n  a: int\n  # more later\n}\n\n# the end\n"
        );
        // An empty block keeps its comments inside.
        assert_eq!(
            fmt_stable("rule r { # hdr\n# nothing yet\n}\n"),
            "rule r {  # hdr\n  # nothing yet\n}\n"
        );
    }

    #[test]
    fn comments_never_move_to_another_item() {
        // A comment inside a one-line item written over several lines stays
        // with that item, before it.
        let src = "segment a = x and\n  # why y\n  y\nsegment b = z\n";
        assert_eq!(
            fmt_stable(src),
            "# why y\nsegment a = x and y\nsegment b = z\n"
        );
        // A comment after an item, before the next one, leads the next one.
        let src = "segment a = x\n# about b\nsegment b = z\n";
        assert_eq!(fmt_stable(src), src);
        let src = "segment a = x\n# about a, really\n\nsegment b = z\n";
        assert_eq!(fmt_stable(src), src);
    }

    #[test]
    fn two_trailing_comments_on_one_line() {
        // The joined `when` has two trailing comments: the first stays, the
        // second goes before the line.
        let src = "rule r {\n  when a # first\n    and b # second\n  send e \"m\"\n}\n";
        assert_eq!(
            fmt_stable(src),
            "rule r {\n  # second\n  when a and b  # first\n  send e \"m\"\n}\n"
        );
        let src = "segment s = 1 + # one\n  2 # two\n";
        assert_eq!(fmt_stable(src), "# two\nsegment s = 1 + 2  # one\n");
    }

    #[test]
    fn hash_inside_strings_is_not_a_comment() {
        let src = "rule r {\n  send e \"#1\" with { t: \"a # b\" }  # real\n}\n";
        assert_eq!(fmt_stable(src), src);
        let comments = scan_comments(src);
        assert_eq!(comments.len(), 1);
        assert_eq!(comments.first().map(|c| c.text.as_str()), Some("# real"));
    }

    #[test]
    fn comment_text_is_trimmed_at_the_end_only() {
        let src = "#   indented text   \t\r\nsegment a = 1 #x  \r\n";
        assert_eq!(fmt_stable(src), "#   indented text\nsegment a = 1  #x\n");
    }

    #[test]
    fn blank_line_detection() {
        assert!(!has_blank_line("a\nb", 1, 2));
        assert!(has_blank_line("a\n\nb", 1, 3));
        assert!(has_blank_line("a # c\n \t\n  b", 1, 11));
        assert!(!has_blank_line("a # c\n  b", 1, 8));
    }
}
