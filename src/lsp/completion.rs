//! Completion, from the text before the cursor (which is often not valid
//! yet) and the ruleset's names: values of the enum a string is compared
//! with, event properties after `E.` and inside `where`, channels after
//! `send`, duration units after a number, clause names at the start of a
//! line, and attributes, segments, metrics, events, built-in functions and
//! keywords in expressions.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, TextEdit};

use super::index::{Kind, Symbol};
use super::workspace::Analysis;
use crate::program::builtins;
use crate::syntax::FileId;

/// Clauses of a rule, in the order they are usually written.
const RULE_CLAUSES: [&str; 7] = [
    "describe", "tags", "when", "send", "priority", "cooldown", "holdout",
];
const POLICY_CLAUSES: [&str; 5] = ["channels", "activity", "timezone", "quiet hours", "at most"];
const ITEMS: [&str; 6] = ["schema", "policy", "segment", "metric", "rule", "suppress"];
const TYPES: [&str; 7] = [
    "string", "int", "number", "bool", "time", "duration", "list<",
];
const UNITS: [&str; 4] = ["minutes", "hours", "days", "weeks"];
/// Words that continue or build an expression.
const EXPRESSION_WORDS: [&str; 20] = [
    "and",
    "or",
    "not",
    "in",
    "is present",
    "is missing",
    "older than",
    "within",
    "never",
    "at least",
    "times",
    "sent",
    "now",
    "true",
    "false",
    "inactive for",
    "contains",
    "where",
    "with",
    "for",
];

/// The block the cursor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Top,
    Schema,
    Policy,
    Rule,
    /// A segment, metric or suppression: one expression.
    Definition,
}

/// The completions at a byte offset of a file.
pub fn complete(analysis: &Analysis, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let text = analysis.text(file);
    let offset = floor_boundary(text, offset.min(text.len()));
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.get(line_start..).unwrap_or("");
    match scan_line(line) {
        LineState::Comment => return Vec::new(),
        LineState::InString(quote) => {
            let quote = line_start + quote;
            return string_values(analysis, file, quote, offset);
        }
        LineState::Code => {}
    }
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(offset, |(i, _)| i);
    let head = before.get(..word_start).unwrap_or("");
    let index = &analysis.index;
    // `E.` or `record.`: properties or fields.
    if let Some(owner) = head.strip_suffix('.') {
        let name = last_word(owner);
        let members: Vec<&Symbol> = index
            .properties(name)
            .chain(
                index
                    .symbols
                    .iter()
                    .filter(|s| s.kind == Kind::Field && s.container.as_deref() == Some(name)),
            )
            .collect();
        return members
            .into_iter()
            .map(|s| symbol_item(analysis, s))
            .collect();
    }
    let previous = last_word(head.trim_end());
    let previous_is_number = previous.chars().next().is_some_and(|c| c.is_ascii_digit())
        && previous.chars().all(|c| c.is_ascii_digit() || c == '_');
    if previous_is_number && head.ends_with(char::is_whitespace) {
        let mut words: Vec<&str> = UNITS.to_vec();
        if last_word(
            head.trim_end()
                .strip_suffix(previous)
                .unwrap_or("")
                .trim_end(),
        ) == "least"
        {
            words.push("times");
        }
        return words.into_iter().map(keyword_item).collect();
    }
    let names_channel = match previous {
        "send" | "channel" => true,
        "for" => line.trim_start().starts_with("quiet"),
        _ => false,
    };
    if names_channel && head.trim_end().ends_with(previous) {
        return of_kind(analysis, Kind::Channel);
    }
    if previous == "never" {
        let mut items = of_kind(analysis, Kind::Event);
        items.push(keyword_item("sent"));
        return items;
    }
    // `count(`, `last(`: an event.
    if let Some(call) = head.trim_end().strip_suffix('(') {
        if builtins::aggregate(last_word(call)).is_some() {
            return of_kind(analysis, Kind::Event);
        }
    }
    let block = enclosing_block(head);
    let at_line_start = head.get(line_start..).unwrap_or("").trim().is_empty();
    match block {
        Block::Top => ITEMS.into_iter().map(keyword_item).collect(),
        Block::Schema => {
            if line.contains(':') {
                TYPES.into_iter().map(keyword_item).collect()
            } else {
                vec![keyword_item("event")]
            }
        }
        Block::Policy if at_line_start => POLICY_CLAUSES.into_iter().map(keyword_item).collect(),
        Block::Rule if at_line_start => {
            let mut items: Vec<CompletionItem> =
                RULE_CLAUSES.into_iter().map(keyword_item).collect();
            items.extend(expression_items(analysis, head));
            items
        }
        Block::Policy | Block::Rule | Block::Definition => expression_items(analysis, head),
    }
}

/// Names and words that can start or continue an expression; inside
/// `agg(E where …)` the properties of E come first.
fn expression_items(analysis: &Analysis, head: &str) -> Vec<CompletionItem> {
    let mut items = Vec::new();
    if let Some(event) = where_event(head) {
        items.extend(
            analysis
                .index
                .properties(event)
                .map(|s| symbol_item(analysis, s)),
        );
    }
    for kind in [Kind::Attribute, Kind::Segment, Kind::Metric, Kind::Event] {
        items.extend(of_kind(analysis, kind));
    }
    items.extend(builtins::BUILTINS.iter().map(|f| CompletionItem {
        label: f.name.to_string(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: Some(f.signature()),
        documentation: Some(lsp_types::Documentation::String(f.doc.to_string())),
        ..CompletionItem::default()
    }));
    items.extend(EXPRESSION_WORDS.into_iter().map(keyword_item));
    items
}

fn of_kind(analysis: &Analysis, kind: Kind) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    analysis
        .index
        .of_kind(kind)
        .filter(|s| seen.insert(s.name.as_str()))
        .map(|s| symbol_item(analysis, s))
        .collect()
}

fn symbol_item(analysis: &Analysis, s: &Symbol) -> CompletionItem {
    CompletionItem {
        label: s.name.clone(),
        kind: Some(match s.kind {
            Kind::Attribute | Kind::Field | Kind::Property => CompletionItemKind::FIELD,
            Kind::Event | Kind::Suppression => CompletionItemKind::EVENT,
            Kind::Segment | Kind::Metric => CompletionItemKind::VARIABLE,
            Kind::Rule => CompletionItemKind::FUNCTION,
            Kind::Channel => CompletionItemKind::ENUM_MEMBER,
        }),
        detail: Some(super::hover::signature(analysis, s)),
        documentation: (!s.doc.is_empty()).then(|| lsp_types::Documentation::String(s.doc.clone())),
        ..CompletionItem::default()
    }
}

fn keyword_item(word: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    }
}

/// The values of the enum a string literal (opened at `quote`) is compared
/// with, each replacing what is typed so far (and closing the string).
fn string_values(
    analysis: &Analysis,
    file: FileId,
    quote: usize,
    offset: usize,
) -> Vec<CompletionItem> {
    let text = analysis.text(file);
    let Some(members) = compared_enum(analysis, text, quote) else {
        return Vec::new();
    };
    let rest_of_line = text.get(offset..).unwrap_or("");
    let rest_of_line = rest_of_line.split('\n').next().unwrap_or("");
    let closed = rest_of_line.contains('"');
    let content_end = if closed {
        offset + rest_of_line.find('"').unwrap_or(0)
    } else {
        offset
    };
    let range = match analysis.line_index(file) {
        Some(index) => index.range(text, quote + 1, content_end),
        None => return Vec::new(),
    };
    members
        .into_iter()
        .map(|m| CompletionItem {
            label: m.clone(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                if closed { m } else { format!("{m}\"") },
            ))),
            ..CompletionItem::default()
        })
        .collect()
}

/// The enum values of the name a string literal starting at `quote` is
/// compared with: `name == "`, `name != "`, `name in ["a", "`.
pub fn compared_enum(analysis: &Analysis, text: &str, quote: usize) -> Option<Vec<String>> {
    let mut head = text.get(..quote)?.trim_end();
    if let Some(h) = head.strip_suffix("==").or_else(|| head.strip_suffix("!=")) {
        head = h.trim_end();
    } else {
        // Inside a list: skip earlier strings and commas back to `[`.
        let open = head.rfind('[')?;
        let between = head.get(open + 1..)?;
        if !between
            .chars()
            .all(|c| c == '"' || c == ',' || c.is_whitespace() || c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        head = head.get(..open)?.trim_end().strip_suffix("in")?.trim_end();
        head = head.strip_suffix("not").map_or(head, str::trim_end);
    }
    let path_start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let path = head.get(path_start..)?;
    let mut parts = path.split('.');
    let first = parts.next()?;
    let index = &analysis.index;
    let symbol = match parts.next() {
        Some(field) => index
            .lookup(Kind::Field, Some(first), field)
            .or_else(|| index.lookup(Kind::Property, Some(first), field)),
        None => index.lookup(Kind::Attribute, None, first).or_else(|| {
            // A property inside `where`.
            let event = where_event(head)?;
            index.lookup(Kind::Property, Some(event), first)
        }),
    }?;
    (!symbol.members.is_empty()).then(|| symbol.members.clone())
}

/// The event of the `agg(E where …` the text ends inside of, if any.
fn where_event(head: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in head.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                let inside = head.get(i + 1..)?.trim_start();
                let mut words = inside.split_whitespace();
                let event = words.next()?;
                return (words.next()? == "where").then_some(event);
            }
            '(' => depth -= 1,
            '\n' if head
                .get(i + 1..)
                .is_some_and(|l| l.trim_start().starts_with(['}', '{'])) =>
            {
                return None
            }
            _ => {}
        }
    }
    None
}

/// The last word (name characters) of a text.
fn last_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(text.len(), |(i, _)| i);
    text.get(start..).unwrap_or("")
}

enum LineState {
    Code,
    Comment,
    /// Inside a string opened at this byte of the line.
    InString(usize),
}

/// Whether the end of a line (up to the cursor) is code, a comment or the
/// inside of a string.
fn scan_line(line: &str) -> LineState {
    let mut open: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (open, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(_), '"') if !escaped => open = None,
            (None, '"') => open = Some(i),
            (None, '#') => return LineState::Comment,
            _ => {}
        }
        escaped = false;
    }
    open.map_or(LineState::Code, LineState::InString)
}

/// The block the end of `head` is inside: braces are matched, skipping
/// strings and comments; a block is named by the item keyword opening it.
/// Outside braces, indented lines continue a segment, metric or suppression.
fn enclosing_block(head: &str) -> Block {
    let mut depth = 0usize;
    let mut block = Block::Top;
    let mut item = Block::Top;
    for line in head.split('\n') {
        let code = strip_strings_and_comment(line);
        if depth == 0 && !code.trim().is_empty() {
            item = match code.split_whitespace().next().unwrap_or("") {
                "schema" => Block::Schema,
                "policy" => Block::Policy,
                "rule" => Block::Rule,
                "segment" | "metric" | "suppress" => Block::Definition,
                _ if code.starts_with(char::is_whitespace) => item,
                _ => Block::Top,
            };
        }
        for c in code.chars() {
            match c {
                '{' => {
                    if depth == 0 {
                        block = item;
                    }
                    depth += 1;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        item = Block::Top;
                    }
                }
                _ => {}
            }
        }
    }
    let last_line = head.rsplit('\n').next().unwrap_or("");
    match depth {
        0 if item == Block::Definition
            && (last_line.starts_with(char::is_whitespace)
                || last_line.split_whitespace().count() > 1) =>
        {
            Block::Definition
        }
        0 => Block::Top,
        _ => block,
    }
}

/// A line's code: string contents and a trailing comment removed.
fn strip_strings_and_comment(line: &str) -> String {
    let mut code = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                code.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                code.push(c);
            }
            '#' => break,
            _ => code.push(c),
        }
    }
    code
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::workspace::Workspace;
    use std::path::PathBuf;

    const SCHEMA: &str = "schema {\n  plan: \"trial\" | \"pro\"\n  company: { name: string, size: \"small\" | \"large\" }\n  event watched { minutes: number, kind: \"live\" | \"replay\" }\n  event logged_in\n}\npolicy { channels email, push }\nsegment trial = plan == \"trial\"\n";

    /// The labels offered at `|` in a second file of a ruleset with SCHEMA.
    fn labels(text: &str) -> Vec<String> {
        let offset = text.find('|').unwrap();
        let text = text.replace('|', "");
        let dir = PathBuf::from("/nonexistent-nudge-lsp-test/rules");
        let mut workspace = Workspace::default();
        workspace.open(dir.join("a.nudge"), SCHEMA.to_string(), 1);
        workspace.open(dir.join("b.nudge"), text, 1);
        let analysis = workspace.analysis(&dir.join("b.nudge"));
        let file = analysis.file_of(&dir.join("b.nudge")).unwrap();
        complete(&analysis, file, offset)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn completes_by_context() {
        assert_eq!(labels("rule r {\n  send |"), ["email", "push"]);
        assert_eq!(labels("rule r {\n  cooldown 7 |"), UNITS);
        assert_eq!(
            labels("rule r {\n  when watched at least 3 |"),
            ["minutes", "hours", "days", "weeks", "times"]
        );
        assert_eq!(
            labels("rule r {\n  when never |"),
            ["watched", "logged_in", "sent"]
        );
        assert_eq!(labels("metric m = count(|"), ["watched", "logged_in"]);
        assert_eq!(labels("metric m = sum(watched.|"), ["minutes", "kind"]);
        assert_eq!(labels("segment s = company.|"), ["name", "size"]);
        assert_eq!(
            labels("segment s = company.size == \"|"),
            ["small", "large"]
        );
        assert_eq!(
            labels("segment s = plan in [\"pro\", \"|"),
            ["trial", "pro"]
        );
        assert_eq!(
            labels("metric m = count(watched where kind != \"|\")"),
            ["live", "replay"]
        );
        assert_eq!(
            labels("segment s = plan == \"x\" # \"|"),
            Vec::<String>::new()
        );
        assert_eq!(labels("|"), ITEMS);
        assert_eq!(labels("segment s = trial\n|"), ITEMS);
        assert_eq!(labels("policy {\n  |"), POLICY_CLAUSES);
    }

    #[test]
    fn offers_clauses_at_line_start_and_names_in_expressions() {
        let at_start = labels("rule r {\n  |\n}");
        assert!(
            at_start.starts_with(&RULE_CLAUSES.map(String::from)),
            "{at_start:?}"
        );
        assert!(at_start.contains(&"trial".to_string()));
        let in_expression = labels("rule r {\n  when plan == \"pro\" and |\n}");
        assert!(!in_expression.contains(&"cooldown".to_string()));
        for name in ["plan", "company", "trial", "watched", "and", "never"] {
            assert!(
                in_expression.contains(&name.to_string()),
                "{name}: {in_expression:?}"
            );
        }
        let in_where = labels("segment s = count(watched where |) > 1");
        assert_eq!(in_where[..2], ["minutes", "kind"]);
    }
}
