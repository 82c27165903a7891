//! A diff report as Markdown for a pull-request comment: the answer in the
//! title, a summary table of customers and sends, the changed rules with
//! their transitions, then the details folded in `<details>`: outcome
//! counts per rule, and each transition's example customers with the
//! conditions whose values changed.

use std::fmt::Write;

use super::report::{DiffReport, OutcomeCounts, RuleDiff, RuleStatus, Transition};
use super::why::Example;
use super::{condition_line, signed, thousands, transition_label};
use crate::decision::Outcome;

/// Text inside an inline code span (backticks cannot be escaped there).
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// Text inside HTML (`<summary>`).
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text in a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn side(label: &str, commit: Option<&str>) -> String {
    match commit {
        Some(c) => format!("{} ({})", code(label), code(c)),
        None => code(label),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The report as Markdown.
pub fn render(report: &DiffReport) -> String {
    let mut out = String::new();
    let r = report;
    if r.has_changes() {
        let _ = writeln!(
            out,
            "### nudge diff: {} of {} get a different decision\n",
            thousands(r.changed_customers),
            plural(r.customers, "customer", "customers"),
        );
    } else {
        let _ = writeln!(out, "### nudge diff: no change\n");
    }
    let _ = writeln!(
        out,
        "{} → {}, {} at {}.\n",
        side(&r.before.label, r.before.commit.as_deref()),
        side(&r.after.label, r.after.commit.as_deref()),
        plural(r.customers, "customer", "customers"),
        r.now,
    );
    if !r.has_changes() {
        let _ = writeln!(
            out,
            "Every customer gets the same decisions from both rulesets: no message is gained, lost or changed.\n"
        );
    }
    summary_table(&mut out, r);
    rules_table(&mut out, r);
    if r.rejected_lines > 0 {
        let _ = writeln!(
            out,
            "{} not read as customers (both rulesets skip them).\n",
            plural(r.rejected_lines, "input line was", "input lines were")
        );
    }
    counts_details(&mut out, r);
    let mut left_out = 0u64;
    for rule in r.rules.iter().filter(|x| !x.transitions.is_empty()) {
        for t in &rule.transitions {
            let mut section = String::new();
            transition_details(&mut section, rule, t, r.examples_per_transition);
            if out.len() + section.len() > COMMENT_BUDGET {
                left_out += 1;
            } else {
                out.push_str(&section);
            }
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "The examples of {} are left out to keep this comment short; `--format json` has them all.",
            plural(left_out, "more transition", "more transitions")
        );
    }
    out
}

/// The most bytes of Markdown written: GitHub refuses comments over 65,536
/// characters, so transition details that would pass this are left out.
pub const COMMENT_BUDGET: usize = 60_000;

fn summary_table(out: &mut String, r: &DiffReport) {
    let _ = writeln!(out, "| | before | after | change |");
    let _ = writeln!(out, "|---|--:|--:|--:|");
    let _ = writeln!(
        out,
        "| customers with a different decision | | | **{}** |",
        thousands(r.changed_customers)
    );
    let gained_lost = |before: u64, after: u64, gained: u64, lost: u64| {
        if gained == 0 && lost == 0 {
            String::from("0")
        } else {
            format!(
                "{} (+{} gained, −{} lost)",
                signed(before, after),
                thousands(gained),
                thousands(lost)
            )
        }
    };
    let _ = writeln!(
        out,
        "| sends | {} | {} | {} |",
        thousands(r.sends_before),
        thousands(r.sends_after),
        gained_lost(r.sends_before, r.sends_after, r.sends_gained, r.sends_lost),
    );
    for c in &r.channels {
        let _ = writeln!(
            out,
            "| sends by {} | {} | {} | {} |",
            cell(&c.channel),
            thousands(c.before),
            thousands(c.after),
            gained_lost(c.before, c.after, c.gained, c.lost),
        );
    }
    if r.invalid_customers > 0 {
        let _ = writeln!(
            out,
            "| invalid snapshots | | | {} |",
            thousands(r.invalid_customers)
        );
    }
    let _ = writeln!(out);
}

fn status(rule: &RuleDiff) -> &'static str {
    match rule.status {
        RuleStatus::Added => "added",
        RuleStatus::Removed => "removed",
        RuleStatus::Changed => "changed",
        RuleStatus::Unchanged => "unchanged",
    }
}

fn rules_table(out: &mut String, r: &DiffReport) {
    let listed: Vec<&RuleDiff> = r
        .rules
        .iter()
        .filter(|x| x.status != RuleStatus::Unchanged)
        .collect();
    if listed.is_empty() {
        return;
    }
    let _ = writeln!(out, "| rule | | customers | transitions |");
    let _ = writeln!(out, "|---|---|--:|---|");
    for rule in listed {
        let transitions: Vec<String> = rule
            .transitions
            .iter()
            .map(|t| format!("{} {}", transition_label(t), thousands(t.customers)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&rule.rule),
            status(rule),
            thousands(rule.changed),
            if transitions.is_empty() {
                String::from("no decision changes")
            } else {
                cell(&transitions.join("; "))
            },
        );
    }
    let unchanged = r
        .rules
        .iter()
        .filter(|x| x.status == RuleStatus::Unchanged)
        .count() as u64;
    if unchanged > 0 {
        let _ = writeln!(
            out,
            "\n{} the same for every customer.",
            plural(unchanged, "other rule decides", "other rules decide")
        );
    }
    let _ = writeln!(out);
}

/// `9`, `9 → 12`, `— → 12`.
fn count_cell(before: Option<&OutcomeCounts>, after: Option<&OutcomeCounts>, o: Outcome) -> String {
    let shown = |c: Option<&OutcomeCounts>| c.map_or(String::from("—"), |c| thousands(c.get(o)));
    let (b, a) = (shown(before), shown(after));
    if b == a {
        b
    } else {
        format!("{b} → {a}")
    }
}

fn counts_details(out: &mut String, r: &DiffReport) {
    if r.rules.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>Outcome counts per rule, before → after</summary>\n"
    );
    let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let _ = writeln!(out, "| rule | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "--:|".repeat(names.len()));
    for rule in &r.rules {
        let cells: Vec<String> = Outcome::ALL
            .iter()
            .map(|o| count_cell(rule.before.as_ref(), rule.after.as_ref(), *o))
            .collect();
        let _ = writeln!(out, "| {} | {} |", code(&rule.rule), cells.join(" | "));
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn transition_details(out: &mut String, rule: &RuleDiff, t: &Transition, cap: usize) {
    let _ = writeln!(
        out,
        "<details><summary><code>{}</code>: {} ({})</summary>\n",
        html(&rule.rule),
        html(&transition_label(t)),
        plural(t.customers, "customer", "customers"),
    );
    for example in &t.examples {
        example_item(out, example, t);
    }
    if t.customers > t.examples.len() as u64 && !t.examples.is_empty() {
        let _ = writeln!(
            out,
            "- … and {} more (the first {cap} in input order are shown)",
            thousands(t.customers - t.examples.len() as u64)
        );
    }
    let _ = writeln!(out, "\n</details>\n");
}

/// The values the changed conditions read (after's, else before's), once each.
pub(crate) fn reads(example: &Example) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &example.conditions {
        let read = match (&c.after, &c.before) {
            (Some(a), _) if !a.read.is_empty() => &a.read,
            (_, Some(b)) => &b.read,
            (Some(a), None) => &a.read,
            (None, None) => continue,
        };
        for r in read {
            if !out.contains(&r.as_str()) {
                out.push(r);
            }
        }
    }
    out
}

fn example_item(out: &mut String, e: &Example, t: &Transition) {
    let mut parts: Vec<String> = e
        .conditions
        .iter()
        .map(|c| condition_line(c, code))
        .collect();
    parts.extend(e.fields.iter().map(|f| {
        format!(
            "{}: {} → {}",
            code(&f.field),
            code(&f.before.to_string()),
            code(&f.after.to_string())
        )
    }));
    if parts.is_empty() {
        let _ = writeln!(out, "- {}", code(&e.customer));
    } else {
        let _ = writeln!(out, "- {}: {}", code(&e.customer), parts.join("; "));
    }
    let reads = reads(e);
    if !reads.is_empty() {
        let shown: Vec<String> = reads.iter().map(|r| code(r)).collect();
        let _ = writeln!(out, "  - read {}", shown.join(", "));
    }
    for (label, reason) in shown_reasons(e, t) {
        let _ = writeln!(out, "  - {label}: {reason}");
    }
}

/// The reasons worth showing under an example: for a changed outcome, each
/// side's, except a `no_match` whose conditions are already listed.
pub(crate) fn shown_reasons<'a>(e: &'a Example, t: &Transition) -> Vec<(&'static str, &'a str)> {
    if t.before == t.after {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (label, state, reason) in [
        ("before", t.before, &e.before_reason),
        ("after", t.after, &e.after_reason),
    ] {
        let explained = state == Some(Outcome::NoMatch) && !e.conditions.is_empty();
        if let (Some(reason), false) = (reason, explained) {
            out.push((label, reason.as_str()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::report::RulesetSummary;

    #[test]
    fn long_reports_stay_under_the_comment_limit() {
        let example = Example {
            customer: "c".repeat(100),
            conditions: Vec::new(),
            fields: Vec::new(),
            before_reason: Some("x".repeat(500)),
            after_reason: Some("y".repeat(500)),
        };
        let t = Transition {
            before: Some(Outcome::Cooldown),
            after: Some(Outcome::Send),
            changed: Vec::new(),
            customers: 10,
            examples: vec![example; 5],
        };
        let rule = RuleDiff {
            rule: "r".into(),
            status: RuleStatus::Changed,
            before: None,
            after: None,
            changed: 10,
            transitions: vec![t; 100],
        };
        let summary = RulesetSummary {
            label: "a".into(),
            commit: None,
            hash: "h".into(),
            rules: 1,
        };
        let report = DiffReport {
            before: summary.clone(),
            after: summary,
            now: "2026-11-23T09:00:00Z".into(),
            customers: 10,
            invalid_customers: 0,
            changed_customers: 10,
            changed_decisions: 1000,
            sends_before: 0,
            sends_after: 1000,
            sends_gained: 1000,
            sends_lost: 0,
            channels: Vec::new(),
            rules: vec![rule],
            examples_per_transition: 5,
            rejected_lines: 0,
            rejected: Vec::new(),
        };
        let markdown = render(&report);
        assert!(markdown.len() < COMMENT_BUDGET + 200, "{}", markdown.len());
        assert!(
            markdown.contains("more transitions are left out"),
            "{}",
            &markdown[markdown.len() - 200..]
        );
    }
}
