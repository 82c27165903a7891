//! The `explain` view: a readable tree of one customer's evaluation, with
//! every rule, every condition (✓/✗ and the values read), the suppressions,
//! and the arbitration outcome of each candidate.

use std::fmt::Write;

use crate::decision::{Evaluation, Outcome};
use crate::program::Program;
use crate::terminal::Style;

/// Renders an evaluation made with explain. `color` adds ANSI colours (for
/// terminals only).
pub fn render(
    program: &Program,
    evaluation: &Evaluation,
    now: &str,
    ruleset: &str,
    color: bool,
) -> String {
    let style = Style { color };
    let mut out = String::new();
    let short = ruleset.get(..12).unwrap_or(ruleset);
    let _ = writeln!(
        out,
        "customer {} at {now} (ruleset {short})",
        evaluation.customer
    );
    if !evaluation.problems.is_empty() {
        let _ = writeln!(
            out,
            "\n{} invalid snapshot, nothing is sent:",
            style.paint("31", "✗")
        );
        for p in &evaluation.problems {
            let _ = writeln!(out, "    {p}");
        }
        return out;
    }
    let _ = writeln!(out, "\nrules, in arbitration order:");
    for d in &evaluation.decisions {
        let Some(rule) = program.rule(&d.rule) else {
            continue;
        };
        let matched = match d.outcome {
            Outcome::NoMatch => Some(false),
            Outcome::Error
                if d.because.iter().any(|b| b.error.is_some()) || d.because.is_empty() =>
            {
                None
            }
            _ => Some(true),
        };
        let _ = writeln!(
            out,
            "\n{} {} (priority {}, {})",
            style.mark(matched),
            style.paint("1", &d.rule),
            rule.priority,
            program.channel_name(rule.channel)
        );
        if let Some(goal) = &rule.goal {
            let _ = writeln!(
                out,
                "  {}",
                style.paint("2", &format!("{} (measured by nudge report)", goal.text))
            );
        }
        for b in &d.because {
            let suffix = match (&b.error, b.value) {
                (Some(e), _) => format!("   failed: {e}"),
                (None, None) => String::from("   (not evaluated)"),
                _ => String::new(),
            };
            let _ = writeln!(out, "  {} {}{suffix}", style.mark(b.value), b.condition);
            for r in &b.read {
                let _ = writeln!(out, "      {}", style.paint("2", r));
            }
        }
        let head = match (&d.message, &d.deliver_at) {
            (Some(m), Some(at)) => format!(
                "{} {} \"{m}\" at {at}",
                d.outcome,
                d.channel.as_deref().unwrap_or("")
            ),
            (Some(m), None) => format!("{} \"{m}\"", d.outcome),
            _ => d.outcome.to_string(),
        };
        let color = match d.outcome {
            Outcome::Send => "32",
            Outcome::NoMatch => "2",
            Outcome::Error => "31",
            _ => "33",
        };
        let _ = writeln!(out, "  → {}", style.paint(color, &head));
        if d.outcome != Outcome::NoMatch {
            let _ = writeln!(out, "    {}", d.reason);
        }
        for skip in &d.detail.skipped {
            let _ = writeln!(out, "    skipped {}: {}", skip.channel, skip.reason);
        }
        for w in &d.warnings {
            let _ = writeln!(out, "    warning: {w}");
        }
    }
    if !evaluation.suppressions.is_empty() {
        let _ = writeln!(out, "\nsuppressions:");
        for s in &evaluation.suppressions {
            let (mark, note) = match &s.result {
                Ok(b) => (style.mark(Some(*b)), String::new()),
                Err(e) => (
                    style.paint("31", "!"),
                    format!("   failed: {e} (blocks its scope)"),
                ),
            };
            let consulted = if s.consulted {
                ""
            } else {
                "   (not needed by arbitration)"
            };
            let _ = writeln!(
                out,
                "  {mark} {} ({}): {}{note}{consulted}",
                s.name, s.scope, s.condition
            );
            for r in &s.read {
                let _ = writeln!(out, "      {}", style.paint("2", r));
            }
        }
    }
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for d in &evaluation.decisions {
        match counts.iter_mut().find(|(o, _)| *o == d.outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.outcome, 1)),
        }
    }
    counts.sort();
    let summary: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let _ = writeln!(out, "\noutcome: {}", summary.join(", "));
    out
}
