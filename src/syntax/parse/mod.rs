//! From text to syntax tree: runs the pest grammar over each top-level chunk
//! of a file and turns the pairs into [`ast`](super::ast) nodes with spans.
//! Literals and names are built here, items (schema, policy, definitions,
//! rules, suppressions) in [`items`], expressions in [`expr`].

use pest::iterators::{Pair, Pairs};
use pest::Parser;

mod expr;
mod items;
#[cfg(test)]
mod tests;

use super::ast::*;
use super::grammar::{NudgeParser, Rule};
use super::{parse_error, prescan, FileId, Span};
use crate::diagnostic::{Code, Diagnostic};

/// The tree shape did not match the grammar: a bug in nudge, reported as a
/// diagnostic rather than a panic.
#[derive(Debug)]
struct ShapeBug(&'static str);

type Conv<T> = Result<T, ShapeBug>;

/// Parses one file. Items that parse are returned even when others fail, so
/// every syntax error of the file is reported in one run.
pub fn parse_file(file: FileId, text: &str) -> (FileAst, Vec<Diagnostic>) {
    let mut diags = prescan::unterminated_strings(file, text);
    let mut items = Vec::new();
    let starts = prescan::chunk_starts(text);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let chunk = text.get(start..end).unwrap_or("");
        if diags
            .iter()
            .any(|d| d.span.start >= start && d.span.start < end)
        {
            continue; // an unterminated string already explains this chunk
        }
        match NudgeParser::parse(Rule::file, chunk) {
            Ok(mut pairs) => {
                let mut builder = Builder {
                    file,
                    offset: start,
                    diags: Vec::new(),
                };
                match pairs
                    .next()
                    .ok_or(ShapeBug("file"))
                    .and_then(|p| builder.file(p))
                {
                    Ok(mut chunk_items) => items.append(&mut chunk_items),
                    Err(ShapeBug(what)) => diags.push(Diagnostic::error(
                        Code::Internal,
                        Span::new(file, start, end),
                        format!("internal error: unexpected syntax tree shape at {what}"),
                    )),
                }
                diags.append(&mut builder.diags);
            }
            Err(error) => diags.push(parse_error::describe(file, start, chunk, &error)),
        }
    }
    (FileAst { items }, diags)
}

struct Builder {
    file: FileId,
    offset: usize,
    diags: Vec<Diagnostic>,
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>, what: &'static str) -> Conv<Pair<'i, Rule>> {
    pairs.next().ok_or(ShapeBug(what))
}

/// The next pair that is not punctuation or a keyword.
fn next_content<'i>(pairs: &mut Pairs<'i, Rule>, what: &'static str) -> Conv<Pair<'i, Rule>> {
    pairs.find(|p| !is_token(p.as_rule())).ok_or(ShapeBug(what))
}

fn is_token(kind: Rule) -> bool {
    matches!(
        kind,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::langle
            | Rule::rangle
            | Rule::colon
            | Rule::comma
            | Rule::equals
            | Rule::dot
            | Rule::pipe
    ) || format!("{kind:?}").starts_with("kw_")
}

impl Builder {
    /// The pair's span, without the trailing whitespace and comments pest
    /// consumes before an optional element that then does not match.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let len = prescan::code_end(pair.as_str());
        Span::new(
            self.file,
            s.start() + self.offset,
            s.start() + len + self.offset,
        )
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> Conv<Vec<Item>> {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let item = match p.as_rule() {
                Rule::schema => Item::Schema(self.schema(p)?),
                Rule::policy => Item::Policy(self.policy(p)?),
                Rule::segment => Item::Segment(self.definition(p)?),
                Rule::metric => Item::Metric(self.definition(p)?),
                Rule::rule => Item::Rule(self.rule(p)?),
                Rule::suppress => Item::Suppress(self.suppress(p)?),
                Rule::EOI => continue,
                _ => return Err(ShapeBug("item")),
            };
            items.push(item);
        }
        Ok(items)
    }

    /// A name; uppercase letters are refused with the snake_case spelling.
    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        let ident = Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        };
        if ident.name.chars().any(|c| c.is_ascii_uppercase()) {
            let snake = to_snake_case(&ident.name);
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    ident.span,
                    format!("names are lowercase: `{}`", ident.name),
                )
                .with_label("uppercase letters are not allowed in names")
                .with_help(format!("write `{snake}`")),
            );
        }
        ident
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some('u') => {
                    let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => value.push(ch),
                        None => self.diags.push(
                            Diagnostic::error(
                                Code::Syntax,
                                span,
                                format!("`\\u{{{hex}}}` is not a character"),
                            )
                            .with_label("invalid escape")
                            .with_help("use a Unicode scalar value in hex, e.g. `\\u{e9}` for é"),
                        ),
                    }
                }
                Some(other) => value.push(other),
                None => {}
            }
        }
        StrLit { value, span }
    }

    fn int(&mut self, pair: &Pair<'_, Rule>) -> i64 {
        let text: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(Code::Syntax, self.span(pair), "number too large")
                        .with_label("does not fit in a 64-bit integer")
                        .with_help("use a smaller whole number"),
                );
                0
            }
        }
    }

    fn percent(&mut self, pair: Pair<'_, Rule>) -> PercentLit {
        let span = self.span(&pair);
        let text = pair.as_str().trim_end_matches('%').to_string();
        let value = text.replace('_', "").parse::<f64>().unwrap_or(0.0);
        PercentLit { value, text, span }
    }

    fn clock(&mut self, pair: Pair<'_, Rule>) -> ClockLit {
        let span = self.span(&pair);
        let (h, m) = pair.as_str().split_once(':').unwrap_or(("0", "0"));
        let hour = h.parse::<u32>().unwrap_or(99);
        let minute = m.parse::<u32>().unwrap_or(99);
        if hour > 23 || minute > 59 {
            self.diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    span,
                    format!("`{}` is not a clock time", pair.as_str()),
                )
                .with_label(if hour > 23 {
                    "hours go from 00 to 23"
                } else {
                    "minutes go from 00 to 59"
                })
                .with_help("write a 24-hour time `HH:MM`, e.g. `21:00`; use `00:00` for midnight"),
            );
        }
        ClockLit { hour, minute, span }
    }

    /// `duration`, or a bare unit in `per day` (then `amount` is 1).
    fn duration(&mut self, pair: Pair<'_, Rule>) -> Conv<DurationLit> {
        let span = self.span(&pair);
        let (amount, unit_pair) = match pair.as_rule() {
            Rule::duration => {
                let mut inner = pair.into_inner();
                let amount_pair = next(&mut inner, "duration amount")?;
                let amount = self.int(&amount_pair);
                (amount, next(&mut inner, "duration unit")?)
            }
            _ => (1, pair),
        };
        let unit_text = unit_pair.as_str().to_string();
        let unit = match DurationUnit::from_word(&unit_text) {
            Some(unit) => unit,
            None => {
                let other = unit_text.as_str();
                let unit_span = self.span(&unit_pair);
                let (message, help) = if other.starts_with('m') && other != "ms"
                    || other.starts_with('y')
                {
                    let days = if other.starts_with('y') { 365 } else { 30 };
                    (
                        format!(
                            "`{other}` is not a duration unit: months and years vary in length"
                        ),
                        format!("write days instead: `{} days`", amount.saturating_mul(days)),
                    )
                } else {
                    (
                        format!("`{other}` is not a duration unit: the smallest unit is minutes"),
                        String::from("write minutes, hours, days or weeks, e.g. `1 minute`"),
                    )
                };
                self.diags.push(
                    Diagnostic::error(Code::Syntax, unit_span, message)
                        .with_label("unknown unit")
                        .with_help(help),
                );
                DurationUnit::Day
            }
        };
        Ok(DurationLit {
            amount,
            unit,
            unit_text,
            span,
        })
    }
}

fn to_snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
