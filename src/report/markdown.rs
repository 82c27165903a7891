//! The report as Markdown: one table per rule, for a pull request, a wiki
//! page or a chat message.

use std::fmt::Write;

use super::{lift_cells, rate_cell, Comparison, Group, Report, Verdict};

/// Renders the report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# Lift report\n\n");
    let _ = writeln!(
        out,
        "As of {}: {}.\n",
        report.as_of,
        report.inputs_sentence()
    );
    if report.rules.is_empty() {
        out.push_str("No rule has a `goal` clause: add `goal EVENT within D` to a rule with a `holdout` to measure it.\n");
    }
    for rule in &report.rules {
        let _ = writeln!(out, "## {}\n\n`{}`\n", rule.rule, rule.goal);
        out.push_str("| group | customers | converted | rate (95% CI) | lift vs control (95% CI) | relative lift (95% CI) | p-value | verdict |\n");
        out.push_str("|---|--:|--:|---|---|---|--:|---|\n");
        let _ = writeln!(out, "| control | {} | | | | |", group_cells(&rule.control));
        let _ = writeln!(out, "{}", comparison_row(&rule.overall, report.min_sample));
        for v in &rule.variants {
            let _ = writeln!(out, "{}", comparison_row(v, report.min_sample));
        }
        if let Some(note) = super::pending_note(rule) {
            let _ = writeln!(out, "\n{note}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", report.method_sentence());
    if let Some((sentence, first)) = report.rejected() {
        let _ = writeln!(out, "\n{sentence}:\n");
        for p in first {
            let _ = writeln!(out, "- `{p}`");
        }
    }
    out
}

fn group_cells(g: &Group) -> String {
    if g.customers == 0 {
        return String::from("0 | 0 | —");
    }
    format!("{} | {} | {}", g.customers, g.converted, rate_cell(g))
}

fn comparison_row(c: &Comparison, min_sample: u64) -> String {
    let label = if c.treated.label == "treated" {
        String::from("treated")
    } else {
        format!("variant \"{}\"", c.treated.label)
    };
    let tail = match (&c.lift, c.verdict) {
        (Some(l), verdict) => {
            let [absolute, relative, p_value] = lift_cells(l);
            format!(
                "{absolute} | {relative} | {p_value} | **{}**",
                verdict.text()
            )
        }
        (None, Verdict::NotEnoughData) => {
            format!("— | — | — | not enough data (needs {min_sample} per group)")
        }
        (None, verdict) => format!("— | — | — | {}", verdict.text()),
    };
    format!("| {label} | {} | {tail} |", group_cells(&c.treated))
}
