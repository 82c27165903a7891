//! Coverage: per rule, whether the cases saw it send and not send (any other
//! outcome, `no_match` included); per top-level condition, whether it was
//! seen true and false.

use std::fmt::Write;

use crate::decision::{Decision, Outcome};
use crate::program::Program;

/// How often one condition of a rule was true and false over the cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConditionCoverage {
    /// The condition as written.
    pub text: String,
    /// Cases in which it held.
    pub seen_true: usize,
    /// Cases in which it did not hold.
    pub seen_false: usize,
}

/// Which outcomes and conditions of one rule the cases reached.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleCoverage {
    /// The rule's name.
    pub name: String,
    /// Cases where it sent.
    pub sent: usize,
    /// Cases where it did not send (any other outcome).
    pub not_sent: usize,
    /// Cases where its `when` held (it was a candidate).
    pub matched: usize,
    /// Its `when` conditions, in order.
    pub conditions: Vec<ConditionCoverage>,
}

impl RuleCoverage {
    /// Seen both sending and not sending.
    pub fn covered(&self) -> bool {
        self.sent > 0 && self.not_sent > 0
    }

    /// Never a candidate: its `when` never held in any case.
    pub fn never_exercised(&self) -> bool {
        self.matched == 0
    }
}

/// What the test cases exercised, rule by rule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    /// In arbitration order.
    pub rules: Vec<RuleCoverage>,
    /// Cases counted.
    pub cases: usize,
}

impl Coverage {
    /// Empty coverage for every rule of `program`.
    pub fn new(program: &Program) -> Coverage {
        Coverage {
            rules: program
                .rules
                .iter()
                .map(|r| RuleCoverage {
                    name: r.name.clone(),
                    conditions: r
                        .conjuncts
                        .iter()
                        .map(|c| ConditionCoverage {
                            text: c.text.clone(),
                            ..ConditionCoverage::default()
                        })
                        .collect(),
                    ..RuleCoverage::default()
                })
                .collect(),
            cases: 0,
        }
    }

    /// Counts one case's decisions (made with explain: one per rule).
    pub fn record(&mut self, decisions: &[Decision]) {
        self.cases += 1;
        for d in decisions {
            let Some(rule) = self.rules.iter_mut().find(|r| r.name == d.rule) else {
                continue;
            };
            if d.outcome == Outcome::Send {
                rule.sent += 1;
            } else {
                rule.not_sent += 1;
            }
            if !matches!(d.outcome, Outcome::NoMatch | Outcome::Error) {
                rule.matched += 1;
            }
            for (cond, b) in rule.conditions.iter_mut().zip(&d.because) {
                match b.value {
                    Some(true) => cond.seen_true += 1,
                    Some(false) => cond.seen_false += 1,
                    None => {}
                }
            }
        }
    }

    /// Rules seen both sending and not sending, over all rules, in percent
    /// (100 for a ruleset without rules).
    pub fn percent(&self) -> f64 {
        if self.rules.is_empty() {
            return 100.0;
        }
        let covered = self.rules.iter().filter(|r| r.covered()).count();
        covered as f64 * 100.0 / self.rules.len() as f64
    }

    /// Conditions seen both true and false, and all conditions.
    pub fn conditions(&self) -> (usize, usize) {
        let all = self.rules.iter().flat_map(|r| &r.conditions);
        let both = all
            .clone()
            .filter(|c| c.seen_true > 0 && c.seen_false > 0)
            .count();
        (both, all.count())
    }

    /// The report: rules never exercised first, then partly covered ones,
    /// then covered ones; each with its conditions.
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mark = |seen: bool| {
            if seen {
                paint("32", "✓")
            } else {
                paint("31", "✗")
            }
        };
        let mut order: Vec<&RuleCoverage> = self.rules.iter().collect();
        order.sort_by_key(|r| match (r.never_exercised(), r.covered()) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        });
        let mut out = String::new();
        let _ = writeln!(
            out,
            "coverage ({} case{}):",
            self.cases,
            if self.cases == 1 { "" } else { "s" }
        );
        let width = self
            .rules
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut section = None;
        for r in order {
            let this = if r.never_exercised() {
                "never exercised (its `when` never held)"
            } else if !r.covered() {
                "partly covered"
            } else {
                "covered"
            };
            if section != Some(this) {
                let _ = writeln!(out, "  {this}:");
                section = Some(this);
            }
            let _ = writeln!(
                out,
                "    {name:<width$}  {} send ({})  {} not send ({})",
                mark(r.sent > 0),
                r.sent,
                mark(r.not_sent > 0),
                r.not_sent,
                name = r.name,
            );
            for c in &r.conditions {
                let _ = writeln!(
                    out,
                    "    {blank:<width$}    {} true {} false  {}",
                    mark(c.seen_true > 0),
                    mark(c.seen_false > 0),
                    paint("2", &c.text),
                    blank = "",
                );
            }
        }
        let covered = self.rules.iter().filter(|r| r.covered()).count();
        let (both, all) = self.conditions();
        let _ = writeln!(
            out,
            "rule coverage: {}% ({covered} of {} rules seen sending and not sending); conditions seen true and false: {both} of {all}",
            format_percent(self.percent()),
            self.rules.len(),
        );
        out
    }
}

/// `100`, `87.5`, `33.3`.
pub fn format_percent(p: f64) -> String {
    // Rounded down, so that 99.96 never shows as 100.
    let rounded = (p * 10.0).floor() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}
