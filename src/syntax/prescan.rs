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

/// The byte offset just after the last character of code in `text`
/// (comments and whitespace after it excluded).
pub fn code_end(text: &str) -> usize {
    lex(text)
        .filter(|(_, c, lexeme)| *lexeme != Lexeme::Comment && !c.is_whitespace())
        .last()
        .map(|(i, c, _)| i + c.len_utf8())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_at_item_keywords_in_column_zero() {
        let text = "schema {\n  a: int\n}\nrule x {\n  when true\n}\n  rule y\nsegments\n";
        assert_eq!(chunk_starts(text), vec![0, 20]);
    }

    #[test]
    fn finds_unterminated_strings_outside_comments() {
        let text = "# \"not a string\nrule x { send email \"hi }\n";
        let d = unterminated_strings(FileId(0), text);
        assert_eq!(d.len(), 1);
        assert_eq!(&text[d[0].span.start..d[0].span.end], "\"hi }");
    }

    #[test]
    fn code_ends_before_trailing_comments() {
        assert_eq!(code_end("a > 1  # note\n  # more\n"), 5);
        assert_eq!(code_end("x == \"#\" # c"), 8);
    }

    #[test]
    fn finds_the_unclosed_brace() {
        assert_eq!(unclosed_brace("rule x {\n when \"}\" \n"), Some(7));
        assert_eq!(unclosed_brace("rule x { }"), None);
    }
}
