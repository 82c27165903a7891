//! A diff report for a terminal: the answer first, sends by channel, then
//! each changed rule with its transitions and example customers. Colours
//! only when asked for (the CLI asks when stdout is a terminal).

use std::fmt::Write;

use super::markdown::{reads, shown_reasons};
use super::report::{DiffReport, RuleStatus, Transition};
use super::why::Example;
use super::{condition_line, thousands, transition_label};
use crate::terminal::Style;

/// The report as text, in colour when `color`.
pub fn render(report: &DiffReport, color: bool) -> String {
    let style = Style { color };
    let r = report;
    let mut out = String::new();
    let side = |label: &str, commit: Option<&str>| match commit {
        Some(c) => format!("{label} ({c})"),
        None => label.to_string(),
    };
    let headline = if r.has_changes() {
        format!(
            "{} of {} customers get a different decision",
            thousands(r.changed_customers),
            thousands(r.customers)
        )
    } else {
        format!(
            "no change: all {} customers get the same decisions",
            thousands(r.customers)
        )
    };
    let _ = writeln!(out, "{}", style.paint("1", &headline));
    let _ = writeln!(
        out,
        "{} → {} at {}",
        side(&r.before.label, r.before.commit.as_deref()),
        side(&r.after.label, r.after.commit.as_deref()),
        r.now
    );
    let _ = writeln!(out);
    let change = |gained: u64, lost: u64| {
        if gained == 0 && lost == 0 {
            String::from("no change")
        } else {
            format!(
                "{} gained  {} lost",
                style.paint("32", &format!("+{}", thousands(gained))),
                style.paint("31", &format!("−{}", thousands(lost)))
            )
        }
    };
    let width = r
        .channels
        .iter()
        .map(|c| c.channel.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        out,
        "{:<width$}  {:>9} → {:<9}  {}",
        "sends",
        thousands(r.sends_before),
        thousands(r.sends_after),
        change(r.sends_gained, r.sends_lost),
    );
    for c in &r.channels {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9} → {:<9}  {}",
            format!("  {}", c.channel),
            thousands(c.before),
            thousands(c.after),
            change(c.gained, c.lost),
        );
    }
    if r.invalid_customers > 0 {
        let _ = writeln!(out, "{} invalid snapshots", thousands(r.invalid_customers));
    }
    if r.rejected_lines > 0 {
        let _ = writeln!(
            out,
            "{} input lines were not customers (skipped by both)",
            thousands(r.rejected_lines)
        );
    }
    for rule in r.rules.iter().filter(|x| x.status != RuleStatus::Unchanged) {
        let status = match rule.status {
            RuleStatus::Added => style.paint("32", "added"),
            RuleStatus::Removed => style.paint("31", "removed"),
            _ => style.paint("33", "changed"),
        };
        let _ = writeln!(
            out,
            "\n{} {status}: {} customer{}",
            style.paint("1", &rule.rule),
            thousands(rule.changed),
            if rule.changed == 1 { "" } else { "s" }
        );
        if rule.transitions.is_empty() {
            let _ = writeln!(out, "  no decision changes");
        }
        for t in &rule.transitions {
            let _ = writeln!(
                out,
                "  {}  {}",
                transition_label(t),
                style.paint("1", &thousands(t.customers))
            );
            for e in &t.examples {
                example(&mut out, e, t, style);
            }
            let more = t.customers.saturating_sub(t.examples.len() as u64);
            if more > 0 && !t.examples.is_empty() {
                let _ = writeln!(
                    out,
                    "    {}",
                    style.paint("2", &format!("… {} more", thousands(more)))
                );
            }
        }
    }
    let unchanged = r
        .rules
        .iter()
        .filter(|x| x.status == RuleStatus::Unchanged)
        .count();
    if unchanged > 0 {
        let _ = writeln!(
            out,
            "\n{} {}rule{} decide{} the same for every customer",
            unchanged,
            if unchanged == r.rules.len() {
                ""
            } else {
                "other "
            },
            if unchanged == 1 { "" } else { "s" },
            if unchanged == 1 { "s" } else { "" }
        );
    }
    out
}

fn example(out: &mut String, e: &Example, t: &Transition, style: Style) {
    let _ = writeln!(out, "    {}", style.paint("36", &e.customer));
    for c in &e.conditions {
        let _ = writeln!(out, "      {}", condition_line(c, str::to_string));
    }
    for f in &e.fields {
        let _ = writeln!(out, "      {}: {} → {}", f.field, f.before, f.after);
    }
    let reads = reads(e);
    if !reads.is_empty() {
        let _ = writeln!(
            out,
            "      {}",
            style.paint("2", &format!("read {}", reads.join(", ")))
        );
    }
    for (label, reason) in shown_reasons(e, t) {
        let _ = writeln!(out, "      {label}: {reason}");
    }
}
