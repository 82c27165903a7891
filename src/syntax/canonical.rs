//! The canonical text of an expression: single spaces, the author's
//! parentheses and literal spellings kept. The checker matches narrowing on
//! it and decision records show it in `because`; `nudge fmt` prints
//! expressions with it. Policy clauses and goals have a canonical text too,
//! which `nudge fmt` prints and records show.

use super::ast::*;

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

/// Canonical text of a rule's `goal EVENT [where COND] within D` (also shown
/// by `explain` and `nudge report`).
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

fn window(out: &mut String, w: &Option<Box<Expr>>) {
    if let Some(d) = w {
        out.push_str(" within ");
        write_expr(out, d);
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
            write_expr(out, d);
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
        ExprKind::If { cond, then, other } => {
            out.push_str("if ");
            write_expr(out, cond);
            out.push_str(" then ");
            write_expr(out, then);
            out.push_str(" else ");
            write_expr(out, other);
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

/// `HH:MM`
pub fn clock(c: &ClockLit) -> String {
    format!("{:02}:{:02}", c.hour, c.minute)
}

/// Canonical text of a policy clause (also the `text` of the quiet hours
/// and caps that decision records show).
pub fn policy_clause(kind: &PolicyClauseKind) -> String {
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
            tag,
            ..
        } => {
            let mut text = format!("at most {count}");
            if let Some(c) = channel {
                text.push(' ');
                text.push_str(&c.name);
            }
            text.push_str(if *count == 1 { " message" } else { " messages" });
            if let Some(t) = tag {
                text.push_str(" tagged ");
                text.push_str(&t.name);
            }
            text.push_str(" per ");
            if *bare_unit {
                text.push_str(&per.unit_text);
            } else {
                text.push_str(&duration(per));
            }
            text
        }
        PolicyClauseKind::Consent { channel, when } => {
            format!("consent {} when {}", channel.name, expr(when))
        }
    }
}

/// Names joined with `, `.
pub fn names(list: &[Ident]) -> String {
    list.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
