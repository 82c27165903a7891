//! `nudge report` (LANGUAGE.md 12.11): did the messages work? For every
//! rule with a `goal`, the customers it treated (`send`) against the ones it
//! held out (`held_out`), their conversion rates read from outcome
//! snapshots, and the lift with a 95% confidence interval and a p-value,
//! overall and per variant. Rendered as Markdown, JSON or one
//! self-contained HTML page with a chart.
//!
//! ```no_run
//! use nudge::report::{self, Options};
//! let ruleset = nudge::Ruleset::load("rules")?;
//! let options = Options {
//!     decisions: vec!["decisions.ndjson".into()],
//!     outcomes: vec!["outcomes.ndjson".into()],
//!     as_of: "2026-12-07T00:00:00Z".parse()?,
//!     min_sample: report::DEFAULT_MIN_SAMPLE,
//! };
//! let result = report::build(ruleset.program(), &options)?;
//! println!("{}", report::markdown(&result));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cohort;
mod html;
mod markdown;
pub mod stats;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::lines::{Problems, ReadError, Rejected};
pub use html::html;
pub use markdown::markdown;
pub use stats::{Counts, Lift};

use crate::program::Program;
use crate::value::{format_time, Micros, MICROS_PER_SECOND};
use cohort::{Arm, Cohort};

/// Below this many customers in the treated or the control group, a
/// comparison says "not enough data" instead of a lift.
pub const DEFAULT_MIN_SAMPLE: u64 = 100;

/// What to read and how to judge it.
#[derive(Debug, Clone)]
pub struct Options {
    /// Decision logs: files, or directories of `.ndjson`/`.jsonl` files.
    pub decisions: Vec<PathBuf>,
    /// Outcome snapshots: `.ndjson`/`.jsonl` (streamed), `.json` or `.yaml`.
    pub outcomes: Vec<PathBuf>,
    /// The instant the outcome snapshots describe: customers whose goal
    /// window ends after it are still pending and left out.
    pub as_of: DateTime<Utc>,
    /// The smallest treated and control group that gets a verdict.
    pub min_sample: u64,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    /// An input could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] ReadError),
}

/// What a comparison shows, in words a growth manager reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The 95% interval of the lift is above zero.
    Lift,
    /// The 95% interval of the lift is below zero: the message hurts.
    Harm,
    /// The interval contains zero.
    NoClearDifference,
    /// A group is smaller than the minimum sample.
    NotEnoughData,
    /// No customer was held out (the rule has no `holdout`, or none matched).
    NoControlGroup,
}

impl Verdict {
    /// The verdict in words.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Lift => "lift",
            Verdict::Harm => "harm",
            Verdict::NoClearDifference => "no clear difference",
            Verdict::NotEnoughData => "not enough data",
            Verdict::NoControlGroup => "no control group",
        }
    }
}

/// One group of customers and how many converted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// `control`, `treated`, or the variant's message.
    pub label: String,
    /// Customers whose goal window is complete (they count).
    pub customers: u64,
    /// Of them, customers who reached the goal.
    pub converted: u64,
    /// `converted / customers` (0 for an empty group).
    pub rate: f64,
    /// 95% Wilson score interval of `rate`.
    pub rate_ci: (f64, f64),
    /// Counted customers with no outcome snapshot (counted as not converted).
    pub without_outcome: u64,
    /// Customers whose goal window ends after `as_of` (not counted).
    pub pending: u64,
}

/// A treated group compared with the control group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The treated group (all of it, or one variant's).
    pub treated: Group,
    /// What the comparison shows.
    pub verdict: Verdict,
    /// Absent when the verdict is "not enough data" or "no control group".
    pub lift: Option<Lift>,
}

/// One rule with a goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    /// The rule's name.
    pub rule: String,
    /// As written: `goal imported_data within 7 days`.
    pub goal: String,
    /// The held-out customers.
    pub control: Group,
    /// All treated customers against the control group.
    pub overall: Comparison,
    /// Each message against the control group (A/B rules; empty otherwise).
    pub variants: Vec<Comparison>,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The instant the outcome snapshots describe.
    pub as_of: String,
    /// The smallest group that gets a verdict.
    pub min_sample: u64,
    /// The interval and test, named.
    pub method: &'static str,
    /// The decision logs read, in order.
    pub decision_files: Vec<PathBuf>,
    /// The outcome snapshot files read, in order.
    pub outcome_files: Vec<PathBuf>,
    /// Decision records read, all outcomes and rules.
    pub decision_records: u64,
    /// Customers read from the outcome snapshots.
    pub outcome_customers: u64,
    /// Input lines that could not be used.
    pub rejected_lines: u64,
    /// The first rejected lines, as `file:line: why`.
    #[serde(serialize_with = "as_strings")]
    pub problems: Vec<Rejected>,
    /// Rules with a goal, by name.
    pub rules: Vec<RuleReport>,
}

impl Report {
    /// What was read, as every format states it: `2 rules with a goal, 140
    /// decision records, 90 customers in the outcome snapshots`.
    pub(crate) fn inputs_sentence(&self) -> String {
        format!(
            "{} rule{} with a goal, {} decision records, {} customers in the outcome snapshots",
            self.rules.len(),
            if self.rules.len() == 1 { "" } else { "s" },
            self.decision_records,
            self.outcome_customers
        )
    }

    /// How the comparisons were made, as every format states it.
    pub(crate) fn method_sentence(&self) -> String {
        format!(
            "Method: {}. A comparison needs at least {} customers in each group.",
            self.method, self.min_sample
        )
    }

    /// The rejected input lines, as every format states them: `None` when
    /// every line was used, else `3 input lines were rejected` and the first
    /// of them as `file:line: why`.
    pub(crate) fn rejected(&self) -> Option<(String, impl Iterator<Item = String> + '_)> {
        (self.rejected_lines > 0).then(|| {
            (
                format!("{} input lines were rejected", self.rejected_lines),
                self.problems.iter().map(ToString::to_string),
            )
        })
    }
}

fn as_strings<S: serde::Serializer>(v: &[Rejected], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(ToString::to_string))
}

/// The method statement every format prints.
pub const METHOD: &str = "95% confidence interval of the difference of conversion rates by \
Newcombe's hybrid Wilson score method (Newcombe 1998, method 10); relative lift interval from \
the log risk ratio; two-sided p-value of the pooled two-proportion z-test";

/// Reads the decision logs and outcome snapshots and compares, for every
/// rule with a goal, treated and control customers.
pub fn build(program: &Program, options: &Options) -> Result<Report, ReportError> {
    let mut problems = Problems::default();
    let mut cohort = Cohort::new(program);
    let decision_files = crate::lines::expand(&options.decisions)?;
    for path in &decision_files {
        cohort.read_decisions(path, &mut problems)?;
    }
    let outcome_files = crate::lines::expand(&options.outcomes)?;
    let mut outcome_customers = 0;
    for path in &outcome_files {
        outcome_customers += cohort.read_outcomes(path, &mut problems)?;
    }
    let as_of = options.as_of.timestamp_micros();
    let rules = tally(&cohort, as_of, options.min_sample);
    Ok(Report {
        as_of: format_time(as_of - as_of.rem_euclid(MICROS_PER_SECOND)),
        min_sample: options.min_sample,
        method: METHOD,
        decision_files,
        outcome_files,
        decision_records: cohort.records,
        outcome_customers,
        rejected_lines: problems.count,
        problems: problems.first,
        rules,
    })
}

/// Per experiment: the control tally and one per message.
#[derive(Default, Clone)]
struct Tally {
    counts: Counts,
    without_outcome: u64,
    pending: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.counts.customers += other.counts.customers;
        self.counts.converted += other.counts.converted;
        self.without_outcome += other.without_outcome;
        self.pending += other.pending;
    }

    fn group(&self, label: &str) -> Group {
        Group {
            label: label.to_string(),
            customers: self.counts.customers,
            converted: self.counts.converted,
            rate: self.counts.rate(),
            rate_ci: stats::wilson(self.counts),
            without_outcome: self.without_outcome,
            pending: self.pending,
        }
    }
}

fn tally(cohort: &Cohort<'_>, as_of: Micros, min_sample: u64) -> Vec<RuleReport> {
    let mut control = vec![Tally::default(); cohort.experiments.len()];
    let mut treated: Vec<Vec<Tally>> = cohort
        .experiments
        .iter()
        .map(|e| vec![Tally::default(); e.messages.len()])
        .collect();
    for exposure in cohort.exposures.values().flatten() {
        let i = exposure.experiment as usize;
        let Some(exp) = cohort.experiments.get(i) else {
            continue;
        };
        let slot = match exposure.arm {
            Arm::Control => control.get_mut(i),
            Arm::Treated(m) => treated.get_mut(i).and_then(|t| t.get_mut(m as usize)),
        };
        let Some(t) = slot else { continue };
        if exposure.start.saturating_add(exp.goal.within) > as_of {
            t.pending += 1;
            continue;
        }
        t.counts.customers += 1;
        t.counts.converted += u64::from(exposure.converted);
        t.without_outcome += u64::from(!exposure.observed);
    }
    let mut out = Vec::new();
    for (i, exp) in cohort.experiments.iter().enumerate() {
        let control = control.get(i).cloned().unwrap_or_default();
        let messages = treated.get(i).cloned().unwrap_or_default();
        let mut all = Tally::default();
        for m in &messages {
            all.add(m);
        }
        let compare = |t: &Tally, label: &str| compare(t.group(label), &control, min_sample);
        let variants = if exp.messages.len() > 1 {
            exp.messages
                .iter()
                .zip(&messages)
                .map(|(m, t)| compare(t, m))
                .collect()
        } else {
            Vec::new()
        };
        out.push(RuleReport {
            rule: exp.rule.to_string(),
            goal: exp.goal.text.clone(),
            control: control.group("control"),
            overall: compare(&all, "treated"),
            variants,
        });
    }
    out
}

fn compare(treated: Group, control: &Tally, min_sample: u64) -> Comparison {
    let counts = Counts {
        customers: treated.customers,
        converted: treated.converted,
    };
    if control.counts.customers == 0 && control.pending == 0 {
        return Comparison {
            treated,
            verdict: Verdict::NoControlGroup,
            lift: None,
        };
    }
    if counts.customers < min_sample.max(1) || control.counts.customers < min_sample.max(1) {
        return Comparison {
            treated,
            verdict: Verdict::NotEnoughData,
            lift: None,
        };
    }
    let lift = stats::lift(counts, control.counts);
    let verdict = match lift {
        Some(l) if l.absolute_ci.0 > 0.0 => Verdict::Lift,
        Some(l) if l.absolute_ci.1 < 0.0 => Verdict::Harm,
        Some(_) => Verdict::NoClearDifference,
        None => Verdict::NotEnoughData,
    };
    Comparison {
        treated,
        verdict,
        lift,
    }
}

/// The report as pretty JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// A rate as a percentage with one decimal: `12.3%`.
pub(crate) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A difference in percentage points with a sign: `+2.1 pp`.
pub(crate) fn points(diff: f64) -> String {
    let v = diff * 100.0;
    let v = if v.abs() < 0.05 { 0.0 } else { v };
    format!("{v:+.1} pp")
}

/// A relative change with a sign: `+18%`.
pub(crate) fn relative(r: f64) -> String {
    let v = r * 100.0;
    let v = if v.abs() < 0.5 { 0.0 } else { v };
    format!("{v:+.0}%")
}

/// A group's conversion rate with its 95% interval: `12.3% (10.1%–14.8%)`.
pub(crate) fn rate_cell(g: &Group) -> String {
    format!(
        "{} ({}–{})",
        percent(g.rate),
        percent(g.rate_ci.0),
        percent(g.rate_ci.1)
    )
}

/// The table cells of a lift, in every format: the lift in points with its
/// 95% interval, the relative lift with its interval (`—` without one), and
/// the p-value.
pub(crate) fn lift_cells(l: &Lift) -> [String; 3] {
    let absolute = format!(
        "{} ({} to {})",
        points(l.absolute),
        points(l.absolute_ci.0),
        points(l.absolute_ci.1)
    );
    let relative = match (l.relative, l.relative_ci) {
        (Some(r), Some((lo, hi))) => {
            format!("{} ({} to {})", relative(r), relative(lo), relative(hi))
        }
        (Some(r), None) => relative(r),
        _ => String::from("—"),
    };
    [absolute, relative, p_value(l.p_value)]
}

/// Who of a rule's treated and control customers is not in the rates:
/// those still inside their window, and those counted without an outcome
/// snapshot (`None` when there is nobody to mention).
pub(crate) fn pending_note(rule: &RuleReport) -> Option<String> {
    let pending = rule.control.pending + rule.overall.treated.pending;
    let missing = rule.control.without_outcome + rule.overall.treated.without_outcome;
    if pending == 0 && missing == 0 {
        return None;
    }
    let customers = |n: u64| format!("{n} customer{}", if n == 1 { "" } else { "s" });
    Some(format!(
        "{} still inside the goal window {} left out; {} without an outcome snapshot {} counted as not converted.",
        customers(pending),
        if pending == 1 { "is" } else { "are" },
        customers(missing),
        if missing == 1 { "is" } else { "are" },
    ))
}

/// A p-value as people read it: `0.031`, `< 0.001`.
pub(crate) fn p_value(p: f64) -> String {
    if p < 0.001 {
        String::from("< 0.001")
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
        schema { plan: string  event upgraded { tier: string } }
        policy { channels email }
        rule pitch {
          when plan == "trial"
          send email { "a" 50% "b" 50% }
          cooldown 7 days
          holdout 50%
          goal upgraded where tier == "pro" within 2 days
        }
        rule other { when plan == "pro" send email "o" cooldown 7 days }
    "#;

    fn record(customer: &str, outcome: &str, message: &str, now: &str, deliver: &str) -> String {
        let deliver = if deliver.is_empty() {
            String::new()
        } else {
            format!(r#", "deliver_at": "{deliver}""#)
        };
        format!(
            r#"{{"customer": "{customer}", "rule": "pitch", "outcome": "{outcome}", "message": "{message}", "now": "{now}"{deliver}}}"#
        )
    }

    /// A `send` record delivered at `deliver`.
    fn sent(customer: &str, message: &str, now: &str, deliver: &str) -> String {
        record(customer, "send", message, now, deliver)
    }

    fn run(decisions: &[String], outcomes: &[&str], as_of: &str) -> Report {
        let ruleset = crate::Ruleset::from_sources([("r.nudge", RULES)]).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "nudge-report-unit-{}-{}",
            std::process::id(),
            decisions.len() * 31 + outcomes.len()
        ));
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        std::fs::write(dir.join("logs/d.ndjson"), decisions.join("\n")).unwrap();
        std::fs::write(dir.join("o.ndjson"), outcomes.join("\n")).unwrap();
        let options = Options {
            decisions: vec![dir.join("logs")],
            outcomes: vec![dir.join("o.ndjson")],
            as_of: as_of.parse().unwrap(),
            min_sample: 1,
        };
        let report = build(ruleset.program(), &options).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        report
    }

    #[test]
    fn windows_start_at_delivery_for_sends_and_at_now_for_holdouts() {
        let decisions = [
            // Deferred by quiet hours to 08:00: an upgrade at 07:00 is before
            // its window; one exactly 2 days after delivery is inside.
            sent("t1", "a", "2026-11-23T01:00:00Z", "2026-11-23T08:00:00Z"),
            sent("t2", "b", "2026-11-23T01:00:00Z", "2026-11-23T01:00:00Z"),
            record("c1", "held_out", "a", "2026-11-23T01:00:00Z", ""),
            record("c2", "held_out", "b", "2026-11-23T01:00:00Z", ""),
        ];
        let outcomes = [
            r#"{"id": "t1", "events": {"upgraded": [{"at": "2026-11-23T07:00:00Z", "tier": "pro"}]}}"#,
            r#"{"id": "t2", "events": {"upgraded": [{"at": "2026-11-25T01:00:00Z", "tier": "pro"}]}}"#,
            // Exactly at the start: not after it.
            r#"{"id": "c1", "events": {"upgraded": [{"at": "2026-11-23T01:00:00Z", "tier": "pro"}]}}"#,
            // Inside the window, but not the goal's tier.
            r#"{"id": "c2", "events": {"upgraded": [{"at": "2026-11-24T01:00:00Z", "tier": "basic"}]}}"#,
        ];
        let report = run(&decisions, &outcomes, "2026-12-01T00:00:00Z");
        assert_eq!(report.rules.len(), 1, "only rules with a goal");
        let pitch = &report.rules[0];
        assert_eq!((pitch.control.customers, pitch.control.converted), (2, 0));
        let t = &pitch.overall.treated;
        assert_eq!((t.customers, t.converted), (2, 1));
        let labels: Vec<_> = pitch
            .variants
            .iter()
            .map(|v| v.treated.label.as_str())
            .collect();
        assert_eq!(labels, ["a", "b"]);
        assert_eq!(pitch.variants[1].treated.converted, 1);
        assert_eq!(pitch.overall.lift.unwrap().absolute, 0.5);
    }

    #[test]
    fn the_first_decision_decides_the_group_and_open_windows_wait() {
        let decisions = [
            // Read first, decided later: the earlier holdout wins.
            sent("x", "a", "2026-11-30T09:00:00Z", "2026-11-30T09:00:00Z"),
            record("x", "held_out", "a", "2026-11-23T09:00:00Z", ""),
            record("x", "cooldown", "", "2026-11-24T09:00:00Z", ""),
            // Window still open on Nov 26.
            sent("y", "a", "2026-11-25T09:00:00Z", "2026-11-25T09:00:00Z"),
            // No outcome snapshot: not converted, and counted as such.
            sent("z", "b", "2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
            String::from("{\"broken\": true}"),
        ];
        let outcomes = [
            r#"{"id": "x", "events": {}}"#,
            r#"{"id": "y", "events": {}}"#,
        ];
        let report = run(&decisions, &outcomes, "2026-11-26T09:00:00Z");
        let pitch = &report.rules[0];
        assert_eq!(pitch.control.customers, 1);
        assert_eq!(pitch.overall.treated.customers, 1);
        assert_eq!(pitch.overall.treated.pending, 1);
        assert_eq!(pitch.overall.treated.without_outcome, 1);
        assert_eq!(report.rejected_lines, 1);
        assert!(report.problems[0]
            .to_string()
            .ends_with("d.ndjson:6: not a decision record: missing field `customer`"));
        let md = markdown(&report);
        assert!(md.contains("1 customer still inside the goal window is left out; 1 customer without an outcome snapshot is counted as not converted."), "{md}");
        assert!(
            md.contains("\n1 input lines were rejected:\n\n- `") && md.ends_with("`customer``\n"),
            "{md}"
        );
        let page = super::html(&report);
        assert!(
            page.contains("<p class=\"note\">1 input lines were rejected, first:</p><ul class=\"note\">\n<li><code>")
                && page.ends_with("`customer`</code></li>\n</ul>\n</main></body></html>\n"),
            "{page}"
        );
    }
}
