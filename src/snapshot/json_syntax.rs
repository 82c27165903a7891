//! Why JSON text is not JSON, in a rule author's words ([`JsonSyntax`]).
//!
//! serde_json says what it expected in its own terms ("expected ident",
//! "key must be a string") and does not expose them as values. When it
//! reports a syntax error, this module walks the same text with a small
//! scanner of the JSON grammar (a stack of open brackets, no values built)
//! to the first place it cannot go on, and names what is there and what
//! could have come instead. When the scanner finds nothing (a number out of
//! range, a lone surrogate escape, valid JSON of another shape), serde_json's
//! message is kept, with the position it reported.

use super::problem::{JsonSyntax, JsonTop, TextPlace};

/// How deep serde_json reads nested objects and lists.
const SERDE_DEPTH: usize = 128;

/// The longest excerpt of the input shown in a message.
const SHOWN: usize = 20;

/// Describes serde_json's error `e` on `text`, whose top level must be `top`.
pub(super) fn describe(e: &serde_json::Error, text: &str, top: JsonTop) -> JsonSyntax {
    if let Err(found) = Scanner::new(text, top).run() {
        return found;
    }
    JsonSyntax::Other {
        message: super::json_error_message(e),
        at: TextPlace {
            line: text.contains('\n').then_some(e.line()),
            column: e.column(),
        },
    }
}

/// An open bracket: which, and where.
#[derive(Clone, Copy)]
struct Open {
    object: bool,
    at: TextPlace,
}

/// What may come next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The top-level bracket.
    Top,
    /// A value (after `:`, or after `,` in a list).
    Value,
    /// A value or `]` (after `[`).
    ValueOrClose,
    /// A key or `}` (after `{`).
    KeyOrClose,
    /// A key (after `,` in an object).
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket, after a value.
    CommaOrClose,
    /// Nothing but whitespace.
    End,
}

struct Scanner<'t> {
    chars: std::iter::Peekable<std::str::CharIndices<'t>>,
    text: &'t str,
    top: JsonTop,
    multiline: bool,
    line: usize,
    column: usize,
    stack: Vec<Open>,
    /// Where the last `,` was (for trailing commas).
    comma: TextPlace,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, top: JsonTop) -> Scanner<'t> {
        Scanner {
            chars: text.char_indices().peekable(),
            text,
            top,
            multiline: text.contains('\n'),
            line: 1,
            column: 0,
            stack: Vec::new(),
            comma: TextPlace {
                line: None,
                column: 0,
            },
        }
    }

    /// The place of the character last taken.
    fn here(&self) -> TextPlace {
        TextPlace {
            line: self.multiline.then_some(self.line),
            column: self.column,
        }
    }

    /// Takes the next character.
    fn bump(&mut self) -> Option<(usize, char)> {
        let next = self.chars.next();
        if let Some((_, c)) = next {
            if c == '\n' {
                self.line += 1;
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        next
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|(_, c)| *c)
    }

    /// The next character that is not whitespace, taken.
    fn token(&mut self) -> Option<(usize, char)> {
        while let Some(c) = self.peek() {
            if !matches!(c, ' ' | '\t' | '\n' | '\r') {
                break;
            }
            self.bump();
        }
        self.bump()
    }

    /// The word starting at byte `start` (letters, digits, `_`, `-`, `.`,
    /// `+`), taken; the first character is already taken.
    fn word(&mut self, start: usize) -> &'t str {
        let mut end = self.text.len();
        while let Some(&(i, c)) = self.chars.peek() {
            if !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+')) {
                end = i;
                break;
            }
            self.bump();
        }
        self.text.get(start..end).unwrap_or_default()
    }

    /// The first syntax error; `Ok` when the text is JSON of the right top
    /// level as far as this scanner can tell.
    fn run(mut self) -> Result<(), JsonSyntax> {
        let mut want = Want::Top;
        loop {
            let Some((start, c)) = self.token() else {
                return self.at_end(want).map_or(Ok(()), Err);
            };
            let at = self.here();
            want = match (want, c) {
                (Want::End, _) => return Err(JsonSyntax::TrailingText { top: self.top, at }),
                (Want::Top, '{') if self.top == JsonTop::Object => self.open(true, at)?,
                (Want::Top, '[') if self.top == JsonTop::Array => self.open(false, at)?,
                (Want::Top, _) => {
                    let found = if c.is_alphanumeric() {
                        show(self.word(start))
                    } else {
                        format!("`{c}`")
                    };
                    return Err(JsonSyntax::WrongTop {
                        top: self.top,
                        found,
                        at,
                    });
                }
                (Want::KeyOrClose, '}') | (Want::ValueOrClose, ']') => self.close(),
                (Want::KeyOrClose | Want::Key, '"') => {
                    self.string(at)?;
                    Want::Colon
                }
                (Want::Key, '}') => return Err(JsonSyntax::TrailingComma { at: self.comma }),
                (Want::KeyOrClose | Want::Key, c) if c.is_alphanumeric() || c == '_' => {
                    let text = self.word(start).to_string();
                    return Err(JsonSyntax::UnquotedKey { text, at });
                }
                (Want::Colon, ':') => Want::Value,
                (Want::CommaOrClose, ',') => {
                    self.comma = at;
                    match self.stack.last() {
                        Some(open) if open.object => Want::Key,
                        _ => Want::Value,
                    }
                }
                (Want::CommaOrClose, '}') if self.innermost_is(true) => self.close(),
                (Want::CommaOrClose, ']') if self.innermost_is(false) => self.close(),
                (Want::Value, ']') if self.comma.column > 0 && self.innermost_is(false) => {
                    return Err(JsonSyntax::TrailingComma { at: self.comma })
                }
                (Want::Value | Want::ValueOrClose, _) => self.value(start, c, at)?,
                (_, '\'') => return Err(JsonSyntax::SingleQuote { at }),
                (want, c) => {
                    let found = match c {
                        '"' => match self.string(at) {
                            Ok(()) => {
                                let end = self.chars.peek().map_or(self.text.len(), |(i, _)| *i);
                                format!(
                                    "string {}",
                                    show(self.text.get(start..end).unwrap_or("\""))
                                )
                            }
                            Err(_) => "`\"`".to_string(),
                        },
                        c if c.is_alphanumeric() => show(self.word(start)),
                        c => format!("`{c}`"),
                    };
                    return Err(JsonSyntax::Unexpected {
                        found,
                        expected: self.expected(want),
                        at,
                    });
                }
            };
        }
    }

    /// A value starting with `c` at byte `start`; what may follow it.
    fn value(&mut self, start: usize, c: char, at: TextPlace) -> Result<Want, JsonSyntax> {
        match c {
            '{' => self.open(true, at),
            '[' => self.open(false, at),
            '"' => {
                self.string(at)?;
                Ok(self.after_value())
            }
            '\'' => Err(JsonSyntax::SingleQuote { at }),
            '-' | '0'..='9' => {
                let text = self.word(start);
                if is_number(text) {
                    Ok(self.after_value())
                } else {
                    Err(JsonSyntax::BadNumber {
                        text: cut(text),
                        at,
                    })
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let text = self.word(start);
                if matches!(text, "null" | "true" | "false") {
                    Ok(self.after_value())
                } else {
                    Err(JsonSyntax::UnquotedText {
                        text: cut(text),
                        at,
                    })
                }
            }
            c => Err(JsonSyntax::Unexpected {
                found: format!("`{c}`"),
                expected: "a value",
                at,
            }),
        }
    }

    /// Opens an object or a list.
    fn open(&mut self, object: bool, at: TextPlace) -> Result<Want, JsonSyntax> {
        if self.stack.len() >= SERDE_DEPTH {
            return Err(JsonSyntax::TooDeep {
                limit: SERDE_DEPTH,
                at,
            });
        }
        self.stack.push(Open { object, at });
        self.comma.column = 0;
        Ok(if object {
            Want::KeyOrClose
        } else {
            Want::ValueOrClose
        })
    }

    fn close(&mut self) -> Want {
        self.stack.pop();
        self.after_value()
    }

    fn after_value(&mut self) -> Want {
        self.comma.column = 0;
        if self.stack.is_empty() {
            Want::End
        } else {
            Want::CommaOrClose
        }
    }

    fn innermost_is(&self, object: bool) -> bool {
        self.stack.last().is_some_and(|open| open.object == object)
    }

    /// What `want` means, in words.
    fn expected(&self, want: Want) -> &'static str {
        match want {
            Want::Colon => "`:` after the key",
            Want::Key => "a key in double quotes",
            Want::KeyOrClose => "a key in double quotes, or `}`",
            Want::CommaOrClose if self.innermost_is(true) => "`,` or `}`",
            Want::CommaOrClose => "`,` or `]`",
            Want::Value | Want::ValueOrClose | Want::Top | Want::End => "a value",
        }
    }

    /// The rest of a string whose `"` at `at` is taken.
    fn string(&mut self, at: TextPlace) -> Result<(), JsonSyntax> {
        loop {
            let Some((i, c)) = self.bump() else {
                return Err(JsonSyntax::UnclosedString { at });
            };
            match c {
                '"' => return Ok(()),
                '\\' => {
                    let escape_at = self.here();
                    let Some((_, e)) = self.bump() else {
                        return Err(JsonSyntax::UnclosedString { at });
                    };
                    match e {
                        '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' => {}
                        'u' => {
                            let mut hex = 0;
                            while hex < 4 && self.peek().is_some_and(|h| h.is_ascii_hexdigit()) {
                                self.bump();
                                hex += 1;
                            }
                            if hex < 4 {
                                let end = self.chars.peek().map_or(self.text.len(), |(j, _)| *j);
                                return Err(JsonSyntax::BadEscape {
                                    text: cut(self.text.get(i..end).unwrap_or_default()),
                                    at: escape_at,
                                });
                            }
                        }
                        e => {
                            return Err(JsonSyntax::BadEscape {
                                text: format!("\\{e}"),
                                at: escape_at,
                            })
                        }
                    }
                }
                c if u32::from(c) < 0x20 => {
                    if c == '\n' {
                        // The string runs past the end of its line.
                        return Err(JsonSyntax::UnclosedString { at });
                    }
                    return Err(JsonSyntax::ControlCharacter { at: self.here() });
                }
                _ => {}
            }
        }
    }

    /// The text ended while `want` was expected.
    fn at_end(&self, want: Want) -> Option<JsonSyntax> {
        if let Some(open) = self.stack.last() {
            let (open_char, close) = if open.object { ('{', '}') } else { ('[', ']') };
            return Some(JsonSyntax::Unclosed {
                open: open_char,
                close,
                at: open.at,
            });
        }
        match want {
            Want::Top => Some(JsonSyntax::WrongTop {
                top: self.top,
                found: "nothing".to_string(),
                at: self.here(),
            }),
            _ => None,
        }
    }
}

/// Whether `text` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A word of the input as shown in a message, cut at [`SHOWN`] characters.
fn cut(text: &str) -> String {
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

/// A word of the input in backquotes.
fn show(text: &str) -> String {
    format!("`{}`", cut(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> String {
        let e = serde_json::from_str::<serde_json::Value>(text).expect_err("not JSON");
        describe(&e, text, JsonTop::Object).to_string()
    }

    #[test]
    fn common_mistakes_are_named() {
        let cases = [
            ("not json", "line is not a JSON object: expected `{` at column 1, found `not`"),
            ("  [1, 2", "line is not a JSON object: expected `{` at column 3, found `[`"),
            (r#"{"a": nul}"#, "unquoted text `nul` at column 7: JSON values are written `null`, `true`, `false`, numbers or \"strings\""),
            (r#"{"a": yes}"#, "unquoted text `yes` at column 7: JSON values are written `null`, `true`, `false`, numbers or \"strings\""),
            ("{id: \"x\"}", "unquoted key `id` at column 2: keys are written in double quotes, \"id\""),
            ("{'id': 'x'}", "single quote at column 2: JSON strings are written in double quotes"),
            (r#"{"a": 1,}"#, "trailing comma at column 8: remove it, or add the next item after it"),
            (r#"{"a": [1,]}"#, "trailing comma at column 9: remove it, or add the next item after it"),
            (r#"{"a" 1}"#, "unexpected `1` at column 6: expected `:` after the key"),
            (r#"{"a": 1 "b": 2}"#, "unexpected string `\"b\"` at column 9: expected `,` or `}`"),
            (r#"{"a" "b"}"#, "unexpected string `\"b\"` at column 6: expected `:` after the key"),
            (r#"{"a": [1 2]}"#, "unexpected `2` at column 10: expected `,` or `]`"),
            (r#"{"a": 1]"#, "unexpected `]` at column 8: expected `,` or `}`"),
            (r#"{"a": "b"} x"#, "text after the end of the object at column 12: one customer per line"),
            (r#"{"id": "abc"#, "the string that starts at column 8 is never closed: add the closing `\"`"),
            (r#"{"id": "a", "e": {"x": [1"#, "`[` at column 24 is never closed: add `]`"),
            (r#"{"a": 01}"#, "`01` at column 7 is not a JSON number (e.g. `42`, `-0.5`, `1e3`)"),
            (r#"{"a": "\q"}"#, "unknown escape `\\q` at column 8: the escapes are \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX"),
            ("{\"a\": \"x\ty\"}", "control character inside a string at column 9: write it escaped, e.g. `\\t` or `\\n`"),
            (r#"{"a": +1}"#, "unexpected `+` at column 7: expected a value"),
        ];
        for (text, expected) in cases {
            assert_eq!(line(text), expected, "{text}");
        }
    }

    #[test]
    fn too_deep_and_out_of_range() {
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(line(&deep), "nested deeper than 128 levels at column 134");
        let far = r#"{"a": 1e999}"#;
        assert!(
            line(far).starts_with("number out of range at column"),
            "{}",
            line(far)
        );
    }

    #[test]
    fn arrays_and_lines_of_a_file() {
        let text = "[\n  {\"id\": \"a\"},\n  {id: \"b\"}\n]";
        let e = serde_json::from_str::<serde_json::Value>(text).expect_err("not JSON");
        assert_eq!(
            describe(&e, text, JsonTop::Array).to_string(),
            "unquoted key `id` at line 3, column 4: keys are written in double quotes, \"id\""
        );
        let text = "{\"id\": \"a\"}";
        let e = serde_json::from_str::<Vec<serde_json::Value>>(text).expect_err("not an array");
        assert_eq!(
            describe(&e, text, JsonTop::Array).to_string(),
            "the file is not a JSON array: expected `[` at column 1, found `{`"
        );
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-0", "12", "1.5", "-1.5e10", "1E+3", "2e-2"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "1e+", "--1", "1.2.3", "0x1f"] {
            assert!(!is_number(bad), "{bad}");
        }
    }
}
