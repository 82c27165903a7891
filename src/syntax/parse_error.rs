//! Turns pest's "expected rule_x, rule_y" into a sentence in the user's words:
//! what was found, what could come there, and a hint for the usual slips.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use super::{parse_help, prescan, FileId, Span};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};

const RULE_CLAUSES: [&str; 9] = [
    "describe", "tags", "when", "send", "priority", "cooldown", "holdout", "deliver", "goal",
];
const POLICY_CLAUSES: [&str; 7] = [
    "channels", "activity", "timezone", "quiet", "at", "most", "consent",
];
const ITEMS: [&str; 6] = ["rule", "segment", "metric", "suppress", "schema", "policy"];

/// What a grammar rule means to a user; related rules share a description so
/// the list stays short. Rules that say nothing useful map to `None`.
fn expectation(grammar_rule: Rule) -> Option<(u8, &'static str)> {
    use Rule::*;
    Some(match grammar_rule {
        rbrace => (1, "`}`"),
        rparen => (2, "`)`"),
        rbracket => (2, "`]`"),
        rangle => (2, "`>`"),
        lbrace => (3, "`{`"),
        lparen => (3, "`(`"),
        lbracket => (3, "`[`"),
        langle => (3, "`<`"),
        colon => (3, "`:`"),
        equals => (3, "`=`"),
        comma => (9, "`,`"),
        kw_describe | kw_tags | kw_when | kw_send | kw_priority | kw_cooldown | kw_holdout
        | kw_deliver
        | kw_goal => {
            (4, "a rule clause (`when`, `send`, `priority`, `cooldown`, `holdout`, `tags`, `describe`)")
        }
        kw_channels | kw_activity | kw_timezone | kw_quiet | kw_consent => {
            (4, "a policy clause (`channels`, `activity`, `timezone`, `quiet hours`, `at most …`)")
        }
        kw_most => (4, "`most`"),
        kw_schema | kw_policy | kw_segment | kw_metric | kw_rule | kw_suppress | EOI => {
            (5, "a top-level item (`rule`, `segment`, `metric`, `suppress`, `schema`, `policy`)")
        }
        kw_event => (5, "an attribute or `event`"),
        expr | or_expr | and_expr | not_expr | not_op | predicate | default_expr | sum_expr
        | product | unary | paren | call | path | number | string | kw_now | kw_true
        | kw_false | kw_not | never_pred | sent_pred | inactive_pred | at_least_pred | neg_op
        | if_expr | kw_if => {
            (2, "an expression")
        }
        ident => (3, "a name"),
        decl_name => (3, "a name"),
        cmp_op | add_op | mul_op | default_op | kw_contains | kw_is | kw_older | kw_in
        | in_suffix | not_in_suffix | cmp_suffix | contains_suffix | is_suffix | older_suffix
        | within_suffix => (7, "an operator"),
        kw_and | kw_or => (6, "`and` or `or`"),
        kw_within | window => (8, "`within`"),
        type_expr | named_type | enum_type | list_type | record_type | kw_list => {
            (2, "a type (`string`, `int`, `number`, `bool`, `time`, `list<…>`, `{ … }`, `\"a\" | \"b\"`)")
        }
        question => (8, "`?`"),
        pipe => (8, "`|`"),
        duration => (2, "a duration such as `7 days`"),
        duration_unit | bad_unit => (2, "a duration unit (`minutes`, `hours`, `days`, `weeks`)"),
        int | signed_int => (2, "a whole number"),
        percent => (2, "a percentage such as `10%`"),
        clock => (2, "a clock time such as `21:00`"),
        kw_times => (2, "`times`"),
        kw_least => (2, "`least`"),
        kw_than => (2, "`than`"),
        kw_for => (6, "`for`"),
        kw_to => (2, "`to`"),
        kw_hours => (2, "`hours`"),
        kw_per => (2, "`per`"),
        kw_messages => (2, "`messages`"),
        kw_present | kw_missing => (2, "`present` or `missing`"),
        kw_channel | kw_tag => (2, "`channel` or `tag`"),
        variants => (2, "a message or `{` with variants"),
        variant => (2, "a variant (`\"message\" 50%`)"),
        kw_with => (6, "`with`"),
        kw_then => (6, "`then`"),
        kw_else => (6, "`else`"),
        kw_where => (8, "`where`"),
        sent_target => (2, "`sent`"),
        param => (2, "a parameter (`name: expression`)"),
        field_decl => (2, "a field (`name: type`)"),
        _ => return None,
    })
}

/// The token at `pos`, as the user would name it.
fn found_at(chunk: &str, pos: usize) -> (String, usize) {
    let rest = chunk.get(pos..).unwrap_or("");
    let trimmed = rest.trim_start();
    let Some(c) = trimmed.chars().next() else {
        return (String::from("end of the item"), 0);
    };
    let len = if c.is_ascii_alphanumeric() || c == '_' {
        trimmed
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
            .unwrap_or(trimmed.len())
    } else if c == '"' {
        trimmed[1..].find('"').map(|i| i + 2).unwrap_or(1)
    } else {
        let two: String = trimmed.chars().take(2).collect();
        if matches!(two.as_str(), "&&" | "||" | "==" | "!=" | "<=" | ">=" | "??") {
            2
        } else {
            c.len_utf8()
        }
    };
    (format!("`{}`", &trimmed[..len]), len)
}

pub fn describe(
    file: FileId,
    offset: usize,
    chunk: &str,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // An unclosed brace is reported where it opens, not where the file ends.
    let at_end = chunk.get(pos..).is_none_or(|r| r.trim().is_empty());
    if at_end {
        if let Some(brace) = prescan::unclosed_brace(chunk) {
            return Diagnostic::error(
                Code::Syntax,
                Span::new(file, offset + brace, offset + brace + 1),
                "unclosed `{`",
            )
            .with_label("this `{` is never closed")
            .with_help("add the matching `}` after the block's last clause");
        }
    }
    let rest = chunk.get(pos..).unwrap_or("");
    let token_start = pos + (rest.len() - rest.trim_start().len());
    let (found, len) = found_at(chunk, pos);
    let span = Span::new(file, offset + token_start, offset + token_start + len);
    let positives: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut expected: Vec<(u8, &'static str)> =
        positives.iter().filter_map(|r| expectation(*r)).collect();
    expected.sort();
    expected.dedup_by(|a, b| a.1 == b.1);
    let list: Vec<&str> = expected.iter().map(|e| e.1).collect();
    let expected_text = match list.as_slice() {
        [] => String::from("something else"),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    };
    let word = found.trim_matches('`');
    let mut diag = Diagnostic::error(Code::Syntax, span, format!("unexpected {found}"))
        .with_label(format!("expected {expected_text}"));
    let expects_rule_clause = positives.contains(&Rule::kw_when);
    let expects_policy_clause = positives.contains(&Rule::kw_channels);
    let expects_item = positives.contains(&Rule::kw_rule);
    let before = chunk.get(..pos).unwrap_or("");
    if let Some((label, help)) = policy_place(before) {
        return Diagnostic::error(Code::Syntax, span, format!("unexpected {found}"))
            .with_label(label)
            .with_help(help);
    }
    let place = parse_help::Place {
        before: parse_help::words(before),
        found: word,
        expected: &positives,
    };
    let help = parse_help::help(&place).or_else(|| match word {
        "=" if positives
            .iter()
            .any(|r| matches!(r, Rule::cmp_op | Rule::cmp_suffix))
            || list.contains(&"an operator") =>
        {
            Some(String::from(
                "compare with `==`; a single `=` only names a segment or metric",
            ))
        }
        "&&" => Some(String::from("write `and`")),
        "||" => Some(String::from("write `or`")),
        "!" | "!=" if expected_text.contains("expression") => Some(String::from("write `not`")),
        "}" if expects_item => Some(String::from(
            "there is no open `{` here to close: remove this `}`",
        )),
        _ => None,
    });
    let help = help.or_else(|| {
        let close = |words: &[&'static str]| did_you_mean(word, words.iter().copied());
        if expects_rule_clause {
            close(&RULE_CLAUSES).map(|s| format!("did you mean `{s}`?"))
        } else if expects_policy_clause {
            close(&POLICY_CLAUSES).map(|s| format!("did you mean `{s}`?"))
        } else if expects_item {
            close(&ITEMS).map(|s| format!("did you mean `{s}`?"))
        } else {
            None
        }
    });
    let help = help.or_else(|| {
        if positives.contains(&Rule::duration_unit) {
            Some(format!("give the unit, e.g. `{} days`", chunk.get(..pos).unwrap_or("").split_whitespace().last().unwrap_or("7")))
        } else if expects_rule_clause && word.chars().all(|c| c.is_ascii_digit() || c == '_') {
            Some(String::from("each clause takes one value: remove the extra one"))
        } else if expects_rule_clause {
            Some(String::from("a rule holds clauses, one per line: `when …`, `send CHANNEL \"message\"`, `priority N`, `cooldown D`"))
        } else if list.contains(&"an expression") {
            Some(String::from("complete the expression, e.g. `plan == \"trial\"`"))
        } else {
            None
        }
    });
    if let Some(h) = help {
        diag = diag.with_help(h);
    }
    diag
}

/// Place-specific help for the version 1.1 delivery and policy clauses
/// (channel fallback, `deliver at`, `consent`, caps per tag): the label and
/// help line for an error right after `send CHANNEL or`, `deliver`,
/// `deliver at HH:MM on`, `consent` or `tagged`, from the words before it.
fn policy_place(before: &str) -> Option<(&'static str, &'static str)> {
    let line = before.rsplit('\n').next().unwrap_or(before);
    let words: Vec<&str> = line.split_whitespace().collect();
    let last = *words.last()?;
    let first = *words.first()?;
    Some(match (first, last) {
        ("send", "or") => (
            "expected another channel",
            "after `or` comes the next channel to try, then the message: `send email or push \"message\"`",
        ),
        ("deliver", "deliver") => (
            "expected `at` and a local time",
            "write the local time to deliver at, e.g. `deliver at 09:00` or `deliver at 09:00 on mon, thu`",
        ),
        ("deliver", "at") => (
            "expected a local time such as `09:00`",
            "write the local time to deliver at, e.g. `deliver at 09:00` or `deliver at 09:00 on mon, thu`",
        ),
        ("deliver", "on") | ("deliver", ",") => (
            "expected a weekday",
            "list weekdays as `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`, e.g. `deliver at 09:00 on mon, thu`",
        ),
        ("consent", "consent") => (
            "expected a channel",
            "name the channel and the condition, e.g. `consent email when email_opt_in`",
        ),
        ("consent", _) if words.len() == 2 => (
            "expected `when` and a condition",
            "say when the customer consents, e.g. `consent email when email_opt_in`",
        ),
        ("at", "per") if words.iter().rev().nth(1) == Some(&"tagged") => (
            "expected `per` after the tag (`per` was read as the tag)",
            "name the tag after `tagged`, e.g. `at most 1 message tagged reminder per 7 days`",
        ),
        ("at", "tagged") => (
            "expected a tag",
            "name the tag after `tagged`, e.g. `at most 1 message tagged reminder per 7 days`",
        ),
        _ => return None,
    })
}
