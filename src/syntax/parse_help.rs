//! Help lines for syntax errors that fit the place they occur. Each entry
//! of [`PLACES`] recognises one common mistake from the words written
//! before the error, the token found and what the grammar expected there,
//! and says how to fix that mistake; the first that recognises the place
//! wins. [`parse_error`](super::parse_error) falls back to its generic help
//! ("complete the expression, …") when no entry does.
//!
//! To give a new place its own help, add a function and a row to
//! [`PLACES`], and a case in `tests/diagnostics/cases`.

use super::grammar::Rule;

/// How many words before the error a place may look at.
const LOOKBACK: usize = 48;

/// Where a syntax error occurred.
pub struct Place<'a> {
    /// The words and symbols written before the error, last one last (at
    /// most [`LOOKBACK`]; comments and strings are single tokens).
    pub before: Vec<&'a str>,
    /// The token found, as written (empty at the end of the file).
    pub found: &'a str,
    /// The grammar rules that could have come there.
    pub expected: &'a [Rule],
}

impl Place<'_> {
    /// The `n`-th word before the error (0: the last one).
    fn back(&self, n: usize) -> &str {
        self.before
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.before.get(i))
            .copied()
            .unwrap_or("")
    }

    fn expects(&self, r: Rule) -> bool {
        self.expected.contains(&r)
    }

    /// The words since the innermost `(` still open before the error.
    fn open_paren(&self) -> Option<&[&str]> {
        let mut depth = 0usize;
        for (i, w) in self.before.iter().enumerate().rev() {
            match *w {
                ")" => depth += 1,
                "(" if depth == 0 => return self.before.get(i + 1..),
                "(" => depth -= 1,
                "{" | "}" => return None,
                _ => {}
            }
        }
        None
    }

    /// Whether an expression could have come where the error is.
    fn expects_expression(&self) -> bool {
        use Rule::*;
        [
            expr,
            or_expr,
            and_expr,
            not_expr,
            predicate,
            default_expr,
            sum_expr,
            product,
            unary,
            paren,
            call,
            path,
            ident,
            kw_not,
            neg_op,
            kw_now,
            number,
            string,
        ]
        .iter()
        .any(|r| self.expects(*r))
    }
}

/// A place's help: `Some` when the error is this place's mistake.
pub type PlaceHelp = fn(&Place<'_>) -> Option<String>;

/// The places with their own help, most specific first.
pub const PLACES: &[PlaceHelp] = &[
    // `if` inside a condition, without parentheses
    if_unparenthesised,
    // `if` written as a rule clause
    if_as_clause,
    // `if COND` without `then`
    if_without_then,
    // `if COND then A` without `else`
    if_without_else,
    // `at` inside an aggregate's `where`
    at_inside_where,
    // a duration expression after `cooldown` or `per`
    computed_literal_duration,
];

/// The help of the first place that recognises the error, if any.
pub fn help(place: &Place<'_>) -> Option<String> {
    PLACES.iter().find_map(|p| p(place))
}

const IF_SHAPE: &str = "`if COND then A else B`";

fn if_unparenthesised(p: &Place<'_>) -> Option<String> {
    (p.found == "if" && p.expects_expression() && !p.expects(Rule::if_expr)).then(|| {
        format!(
            "`if` binds loosest of all: put it in parentheses inside a condition, e.g. `(if trial then 3 else 7) > seats`, or give it a metric: `metric limit = {IF_SHAPE}`"
        )
    })
}

fn if_as_clause(p: &Place<'_>) -> Option<String> {
    (p.found == "if" && p.expects(Rule::kw_when)).then(|| {
        String::from(
            "a rule's condition goes in `when …`; `if` chooses between two values: `when if trial then seats > 3 else seats > 10`",
        )
    })
}

fn if_without_then(p: &Place<'_>) -> Option<String> {
    (p.expects(Rule::kw_then) && p.found != "then")
        .then(|| format!("write `then` after the condition: {IF_SHAPE}"))
}

fn if_without_else(p: &Place<'_>) -> Option<String> {
    (p.expects(Rule::kw_else) && p.found != "else").then(|| {
        format!("an `if` needs both values: add `else` and the value when the condition is false, {IF_SHAPE}")
    })
}

fn at_inside_where(p: &Place<'_>) -> Option<String> {
    if p.found != "at" || !p.open_paren()?.contains(&"where") {
        return None;
    }
    Some(if p.back(0) == "where" || p.expects_expression() {
        String::from(
            "an occurrence's time is not a property (`at` is a reserved word): limit the occurrences by time with a window, e.g. `count(purchase where amount > 10 within 7 days)`",
        )
    } else {
        String::from(
            "`at least N times` does not go inside an aggregate: compare the count instead, e.g. `count(purchase where amount > 10) >= 3`",
        )
    })
}

fn computed_literal_duration(p: &Place<'_>) -> Option<String> {
    let clause = [p.back(0), p.back(1), p.back(2)]
        .into_iter()
        .find(|w| matches!(*w, "cooldown" | "per"))?;
    let what = if clause == "per" {
        "a cap's window (`per D`)"
    } else {
        "`cooldown`"
    };
    let operator = matches!(p.found, "*" | "/" | "+" | "-" | "??" | "(");
    let name = p
        .found
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && (p.expects(Rule::duration) || p.expects(Rule::int));
    (operator || name).then(|| {
        format!(
            "{what} takes a literal duration such as `7 days`; durations computed per customer are for windows (`within D`, `inactive for D`)"
        )
    })
}

/// The words and symbols of `text`: runs of letters, digits and `_`,
/// strings, and single symbols; comments are skipped.
pub fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = if c.is_whitespace() {
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            continue;
        } else if c == '#' {
            rest = rest.find('\n').and_then(|i| rest.get(i..)).unwrap_or("");
            continue;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len())
        } else if c == '"' {
            rest.get(1..)
                .and_then(|r| r.find('"'))
                .map(|i| i + 2)
                .unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        let (word, tail) = rest.split_at(len.min(rest.len()));
        out.push(word);
        rest = tail;
    }
    let skip = out.len().saturating_sub(LOOKBACK);
    out.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_names_symbols_and_strings() {
        assert_eq!(
            words("when count(x where a == \"b c\") # note\n >= 3"),
            ["when", "count", "(", "x", "where", "a", "=", "=", "\"b c\"", ")", ">", "=", "3"]
        );
    }

    #[test]
    fn the_open_parenthesis_is_found() {
        let before = words("when count(purchase where (a) and");
        let place = Place {
            before,
            found: "at",
            expected: &[Rule::expr],
        };
        assert_eq!(
            place.open_paren(),
            Some(&["purchase", "where", "(", "a", ")", "and"][..])
        );
        assert!(at_inside_where(&place).is_some());
    }
}
