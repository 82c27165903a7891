//! A lexical pass before parsing: finds the mistakes a grammar reports badly
//! (unterminated strings, unclosed braces) and splits a file into top-level
//! chunks so that one broken item does not hide the errors of the others.

use super::{FileId, Span};
use crate::diagnostic::{Code, Diagnostic};

/// Top-level keywords that start an item at the beginning of a line.
const ITEM_KEYWORDS: [&str; 6] = ["schema", "policy", "segment", "metric", "rule", "suppress"];

/// Byte offsets where top-level chunks start (always including 0).
pub fn chunk_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && starts_item(line) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

fn starts_item(line: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|k| {
        line.strip_prefix(k).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// Strings that run to the end of their line.
pub fn unterminated_strings(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let mut in_string: Option<usize> = None;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match in_string {
                None if c == '#' => break,
                None if c == '"' => in_string = Some(i),
                None => {}
                Some(_) if escaped => escaped = false,
                Some(_) if c == '\\' => escaped = true,
                Some(_) if c == '"' => in_string = None,
                Some(_) => {}
            }
        }
        if let Some(start) = in_string {
            let end = offset + line.trim_end_matches(['\n', '\r']).len();
            out.push(
                Diagnostic::error(Code::Syntax, Span::new(file, offset + start, end), "unterminated string")
                    .with_label("this string is never closed")
                    .with_help("close it with `\"` on the same line; write `\\n` for a line break inside a string"),
            );
        }
        offset += line.len();
    }
    out
}

/// Escapes in strings that are not one of `\"`, `\\`, `\n`, `\t`, `\u{...}`.
pub fn unknown_escapes(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut after_backslash: Option<usize> = None;
    let mut was_string = false;
    for (i, c, lexeme) in lex(text) {
        let in_string = lexeme == Lexeme::String;
        if let Some(start) = after_backslash.take() {
            if in_string && !matches!(c, '"' | '\\' | 'n' | 't' | 'u' | '\n' | '\r') {
                out.push(
                    Diagnostic::error(
                        Code::Syntax,
                        Span::new(file, start, i + c.len_utf8()),
                        format!("unknown escape `\\{c}`"),
                    )
                    .with_label("not an escape")
                    .with_help(
                        "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`; write `\\\\` for a backslash",
                    ),
                );
            }
            was_string = in_string;
            continue;
        }
        if in_string && was_string && c == '\\' {
            after_backslash = Some(i);
        }
        was_string = in_string;
    }
    out
}

/// What a character of rule text is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexeme {
    Code,
    /// Inside a string literal, quotes included.
    String,
    Comment,
}

/// Every character with what it is part of. Strings end at their closing
/// quote or at the end of the line (they cannot span lines).
pub fn lex(text: &str) -> impl Iterator<Item = (usize, char, Lexeme)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    text.char_indices().map(move |(i, c)| {
        if in_comment {
            in_comment = c != '\n';
            return (i, c, Lexeme::Comment);
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            return (i, c, Lexeme::String);
        }
        match c {
            '#' => {
                in_comment = true;
                (i, c, Lexeme::Comment)
            }
            '"' => {
                in_string = true;
                (i, c, Lexeme::String)
            }
            c => (i, c, Lexeme::Code),
        }
    })
}

/// The first `{` of a chunk that has no matching `}`, if any.
pub fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    for (i, c, lexeme) in lex(text) {
        match (c, lexeme) {
            ('{', Lexeme::Code) => open.push(i),
            ('}', Lexeme::Code) => {
                open.pop();
            }
            _ => {}
        }
    }
    open.first().copied()
}

/// Where the nesting of `text` first goes deeper than `limit`: each open
/// `(` or `[` and each prefix operator (`not`, unary `-`) before an operand
/// counts one level. The grammar recurses per level, so this runs before it.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    // (levels below this bracket, prefix operators pending at this level)
    let mut open: Vec<usize> = Vec::new();
    let mut base: usize = 0;
    let mut prefix: usize = 0;
    let mut word = String::new();
    let mut word_start = 0;
    let mut last = ' '; // the last character of code that is not whitespace
    let mut pending_not: Option<usize> = None;
    let mut chars = lex(text).peekable();
    while let Some((i, c, lexeme)) = chars.next() {
        let code = lexeme == Lexeme::Code;
        if code && (c.is_ascii_alphanumeric() || c == '_') {
            if word.is_empty() {
                word_start = i;
            }
            word.push(c);
            let ends = chars
                .peek()
                .is_none_or(|(_, n, _)| !(n.is_ascii_alphanumeric() || *n == '_'));
            if !ends {
                continue;
            }
            // A whole word: `not` is a prefix operator unless `not in`.
            if let Some(at) = pending_not.take() {
                if word == "in" {
                    prefix = prefix.saturating_sub(1);
                } else if base + prefix > limit {
                    return Some(at);
                }
            }
            if word == "not" {
                prefix += 1;
                pending_not = Some(word_start);
            } else {
                prefix = 0;
            }
            word.clear();
            last = c;
            continue;
        }
        if !code || c.is_whitespace() {
            if lexeme == Lexeme::String {
                prefix = 0;
                last = '"';
            }
            continue;
        }
        if let Some(at) = pending_not.take() {
            if base + prefix > limit {
                return Some(at);
            }
        }
        match c {
            '(' | '[' => {
                open.push(base);
                base += prefix + 1;
                prefix = 0;
                if base > limit {
                    return Some(i);
                }
            }
            ')' | ']' => {
                base = open.pop().unwrap_or(0);
                prefix = 0;
            }
            '-' if !(last.is_ascii_alphanumeric()
                || matches!(last, '_' | ')' | ']' | '"' | '%')) =>
            {
                prefix += 1;
                if base + prefix > limit {
                    return Some(i);
                }
            }
            _ => {}
        }
        last = c;
    }
    None
}

/// For every byte offset `i` of `text` (and `text.len()`), where the code
/// before `i` ends: [`code_end`] of `&text[..i]` for all `i` in one pass.
pub fn code_ends(text: &str) -> Vec<usize> {
    let mut out = Vec::with_capacity(text.len() + 1);
    let mut end = 0;
    for (i, c, lexeme) in lex(text) {
        out.resize(i + 1, end);
        if lexeme != Lexeme::Comment && !c.is_whitespace() {
            end = i + c.len_utf8();
        }
    }
    out.resize(text.len() + 1, end);
    out
}

/// The byte offset just after the last character of code in `text`
/// (comments and whitespace after it excluded).
#[cfg(test)]
fn code_end(text: &str) -> usize {
    lex(text)
        .filter(|(_, c, lexeme)| *lexeme != Lexeme::Comment && !c.is_whitespace())
        .last()
        .map(|(i, c, _)| i + c.len_utf8())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text under the one diagnostic of `found`.
    fn only<'t>(text: &'t str, found: &[Diagnostic]) -> &'t str {
        assert_eq!(found.len(), 1, "{found:#?}");
        &text[found[0].span.start..found[0].span.end]
    }

    #[test]
    fn chunks_start_at_item_keywords_in_column_zero() {
        let text = "schema {\n  a: int\n}\nrule x {\n  when true\n}\n  rule y\nsegments\n";
        assert_eq!(chunk_starts(text), vec![0, 20]);
    }

    #[test]
    fn finds_unterminated_strings_outside_comments() {
        let text = "# \"not a string\nrule x { send email \"hi }\n";
        assert_eq!(only(text, &unterminated_strings(FileId(0), text)), "\"hi }");
    }

    #[test]
    fn code_ends_before_trailing_comments() {
        assert_eq!(code_end("a > 1  # note\n  # more\n"), 5);
        assert_eq!(code_end("x == \"#\" # c"), 8);
        let text = "é > 1  # note\n  x\n";
        let ends = code_ends(text);
        assert_eq!(ends.len(), text.len() + 1);
        for (i, end) in ends.iter().enumerate() {
            if let Some(prefix) = text.get(..i) {
                assert_eq!(*end, code_end(prefix), "at {i}");
            }
        }
    }

    #[test]
    fn measures_nesting_of_brackets_and_prefix_operators() {
        assert_eq!(too_deep("((a))", 2), None);
        assert_eq!(too_deep("(((a)))", 2), Some(2));
        assert_eq!(too_deep("not not not a", 2), Some(8));
        assert_eq!(too_deep("x not in [1] and not (not a)", 3), None);
        assert_eq!(too_deep("x not in [1] and not (not a)", 2), Some(22));
        assert_eq!(too_deep("a - - - 1", 2), None);
        assert_eq!(too_deep("- - - 1", 2), Some(4));
        assert_eq!(too_deep("a - b - c - d \"((((\" # ((((", 2), None);
        assert_eq!(too_deep("not (not (b))", 3), Some(9));
    }

    #[test]
    fn finds_unknown_escapes_in_strings_only() {
        let text = "# \\q\nrule x { describe \"a\\\\b \\q \\n\" }\n";
        let d = unknown_escapes(FileId(0), text);
        assert_eq!(only(text, &d), "\\q");
        assert_eq!(d[0].message, "unknown escape `\\q`");
    }

    #[test]
    fn finds_the_unclosed_brace() {
        assert_eq!(unclosed_brace("rule x {\n when \"}\" \n"), Some(7));
        assert_eq!(unclosed_brace("rule x { }"), None);
    }
}
