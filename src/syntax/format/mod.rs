//! The file formatter behind `nudge fmt`: it parses a file, prints every
//! item in the canonical layout and puts every comment back (comments are not
//! in the syntax tree: they are found by scanning the source text and
//! attached to the printed lines by source position). Expressions print as
//! their [canonical text](super::canonical); the items' lines are built in
//! the `items` submodule.

mod items;
#[cfg(test)]
mod tests;

use super::ast::FileAst;
use super::parse_file;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use items::item_lines;

/// The widest a one-line `when` may be (indentation included) before its
/// top-level `and`/`or` chain is broken one operand per line.
const MAX_WHEN_WIDTH: usize = 80;

/// Formats one rule file in the canonical layout, keeping every comment.
///
/// Returns the parse diagnostics when any of them is an error (a file that
/// does not parse is never reformatted). The result is idempotent and parses
/// to the same syntax tree as `text`, spans aside.
///
/// The layout (the examples of `docs/language.md#a-ruleset` are the reference):
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
    Ok(crate::deep_stack::run(|| print_file(&ast, text)))
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

    /// The first line of a top-level item: a whole one-line item, or the
    /// opening line of a block.
    fn item(&mut self, block: bool, text: String, anchor: usize, end: usize) {
        self.push(Role::Item { block }, 0, 0, text, anchor, end);
    }

    /// One line of a block: the first one gets no blank line before it.
    fn entry(&mut self, first: &mut bool, text: String, anchor: usize, end: usize) {
        self.push(Role::Entry { first: *first }, 2, 2, text, anchor, end);
        *first = false;
    }

    /// The `}` of a top-level block spanning `span`.
    fn close(&mut self, span: Span, empty: bool) {
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
