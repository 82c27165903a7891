//! Who was exposed to which arm of which experiment, from decision logs, and
//! who converted, from outcome snapshots.
//!
//! Memory holds one compact entry per (customer, rule with a goal) that was
//! sent to or held out, never whole records: logs of any length stream.

use std::collections::HashMap;
use std::path::Path;

use super::ReportError;
use crate::eval::Evaluator;
use crate::history::LoggedDecision;
use crate::lines::{each_line, Problems};
use crate::program::{Goal, Message, Program};
use crate::snapshot::{self, CustomerEvents, Snapshot};
use crate::value::{parse_time, Micros, Value};

/// The arm a customer was put in: control, or treated with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    Control,
    /// Index into the experiment's `messages`.
    Treated(u32),
}

/// One rule with a goal, and the messages its treated customers got.
#[derive(Debug, Clone)]
pub struct Experiment<'p> {
    pub rule: &'p str,
    pub goal: &'p Goal,
    /// Declared variants first, then any other message found in the logs
    /// (from an earlier version of the rule).
    pub messages: Vec<String>,
}

/// A customer's first exposure to one experiment.
#[derive(Debug, Clone, Copy)]
pub struct Exposure {
    /// Index into the experiments.
    pub experiment: u32,
    pub arm: Arm,
    /// The decision's `now`: which exposure came first.
    pub decided: Micros,
    /// Where the goal window starts: `deliver_at` for a send, `now` for a
    /// holdout (it has no delivery).
    pub start: Micros,
    /// Some outcome snapshot of the customer was read.
    pub observed: bool,
    pub converted: bool,
}

/// The experiments and every customer's exposures.
pub struct Cohort<'p> {
    program: &'p Program,
    pub experiments: Vec<Experiment<'p>>,
    by_rule: HashMap<&'p str, u32>,
    pub exposures: HashMap<Box<str>, Vec<Exposure>>,
    /// Decision records read (all outcomes, all rules).
    pub records: u64,
}

impl<'p> Cohort<'p> {
    pub fn new(program: &'p Program) -> Cohort<'p> {
        let mut experiments = Vec::new();
        let mut by_rule = HashMap::new();
        let mut rules: Vec<_> = program.rules.iter().collect();
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        for rule in rules {
            let Some(goal) = &rule.goal else { continue };
            let messages = match &rule.message {
                Message::Single(m) => vec![m.clone()],
                Message::Variants(v) => v.iter().map(|(m, _)| m.clone()).collect(),
            };
            by_rule.insert(rule.name.as_str(), experiments.len() as u32);
            experiments.push(Experiment {
                rule: &rule.name,
                goal,
                messages,
            });
        }
        Cohort {
            program,
            experiments,
            by_rule,
            exposures: HashMap::new(),
            records: 0,
        }
    }

    /// Reads one decision log; `send` and `held_out` records of rules with a
    /// goal become exposures, the earliest per customer and rule.
    pub fn read_decisions(
        &mut self,
        path: &Path,
        problems: &mut Problems,
    ) -> Result<(), ReportError> {
        each_line(path, problems, |line, text, problems| {
            let record = match LoggedDecision::parse(text) {
                Ok(r) => r,
                Err(why) => {
                    problems.push(path, line, why);
                    return;
                }
            };
            self.records += 1;
            if let Err(message) = self.add(&record) {
                problems.push(path, line, message);
            }
        })?;
        Ok(())
    }

    fn add(&mut self, r: &LoggedDecision<'_>) -> Result<(), String> {
        let Some(held_out) = r.held_out() else {
            return Ok(());
        };
        let Some(&experiment) = self.by_rule.get(r.rule.as_ref()) else {
            return Ok(());
        };
        let decided =
            parse_time(&r.now).ok_or_else(|| format!("`now` is not a time: {:?}", r.now))?;
        let (arm, start) = if held_out {
            (Arm::Control, decided)
        } else {
            let at = r
                .deliver_at
                .as_deref()
                .ok_or("a `send` record without `deliver_at`")?;
            let start =
                parse_time(at).ok_or_else(|| format!("`deliver_at` is not a time: {at:?}"))?;
            let message = r.message.as_deref().unwrap_or("");
            (Arm::Treated(self.message_index(experiment, message)), start)
        };
        let exposure = Exposure {
            experiment,
            arm,
            decided,
            start,
            observed: false,
            converted: false,
        };
        let list = self
            .exposures
            .entry(Box::from(r.customer.as_ref()))
            .or_default();
        match list.iter_mut().find(|e| e.experiment == experiment) {
            Some(e) if exposure.decided < e.decided => *e = exposure,
            Some(_) => {}
            None => list.push(exposure),
        }
        Ok(())
    }

    fn message_index(&mut self, experiment: u32, message: &str) -> u32 {
        let Some(exp) = self.experiments.get_mut(experiment as usize) else {
            return 0;
        };
        match exp.messages.iter().position(|m| m == message) {
            Some(i) => i as u32,
            None => {
                exp.messages.push(message.to_string());
                (exp.messages.len() - 1) as u32
            }
        }
    }

    /// Reads one outcome snapshot file (NDJSON/JSONL line by line, or a JSON
    /// array, or YAML documents) and marks who converted.
    pub fn read_outcomes(
        &mut self,
        path: &Path,
        problems: &mut Problems,
    ) -> Result<u64, ReportError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut customers = 0;
        match ext.as_str() {
            "json" | "yaml" | "yml" => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ReportError::from(crate::lines::ReadError::new(path, e)))?;
                let items = if ext == "json" {
                    match serde_json::from_str::<serde_json::Value>(&text) {
                        Ok(serde_json::Value::Array(items)) => items
                            .iter()
                            .map(|v| snapshot::events_from_deserializer(self.program, v))
                            .collect(),
                        Ok(v) => vec![snapshot::events_from_deserializer(self.program, &v)],
                        Err(e) => {
                            problems.push(path, e.line() as u64, snapshot::json_error_message(&e));
                            Vec::new()
                        }
                    }
                } else {
                    yaml_customers(self.program, &text)
                };
                for (i, item) in items.into_iter().enumerate() {
                    let n = i as u64 + 1;
                    match self.observe(item) {
                        Ok(()) => customers += 1,
                        Err(e) => problems.push(path, n, format!("customer {n}: {e}")),
                    }
                }
            }
            _ => each_line(path, problems, |line, text, problems| {
                match self.observe(snapshot::events_from_json_str(self.program, text)) {
                    Ok(()) => customers += 1,
                    Err(e) => problems.push(path, line, e),
                }
            })?,
        }
        Ok(customers)
    }

    /// Marks the customer's exposures observed, and converted when the goal
    /// event (matching its condition) occurs in its window. A customer that
    /// cannot be read, or with an event occurrence that does not fit the
    /// schema, is refused with why.
    fn observe(
        &mut self,
        customer: Result<CustomerEvents, snapshot::RejectedInput>,
    ) -> Result<(), String> {
        let customer = customer.map_err(|e| e.to_string())?;
        if let Some(problem) = customer.problems.first() {
            return Err(problem.to_string());
        }
        let Some(list) = self.exposures.get_mut(customer.id.as_str()) else {
            return Ok(());
        };
        let snapshot = customer.into_snapshot();
        for exposure in list.iter_mut() {
            exposure.observed = true;
            if exposure.converted {
                continue;
            }
            let Some(exp) = self.experiments.get(exposure.experiment as usize) else {
                continue;
            };
            exposure.converted = reached(self.program, &snapshot, exp.goal, exposure.start);
        }
        Ok(())
    }
}

/// Whether `goal` is reached in `(start, start + within]`: the evaluator's
/// own half-open window of length `within` ending at `start + within`.
pub fn reached(program: &Program, snapshot: &Snapshot, goal: &Goal, start: Micros) -> bool {
    let end = start.saturating_add(goal.within);
    let mut evaluator = Evaluator::new(program, snapshot, end);
    let (log, range) = evaluator.window(goal.event, Some(goal.within));
    let Some(filter) = &goal.filter else {
        return !range.is_empty();
    };
    range.into_iter().any(|i| {
        matches!(
            evaluator.eval(filter, Some(log.props_of(i))),
            Ok(Value::Bool(true))
        )
    })
}

fn yaml_customers(
    program: &Program,
    text: &str,
) -> Vec<Result<CustomerEvents, snapshot::RejectedInput>> {
    // The shared reader: a bad document is one rejection (serde_yaml's own
    // document iterator would repeat a syntax error forever).
    snapshot::yaml_records(text)
        .into_iter()
        .map(|record| record.and_then(|v| snapshot::events_from_deserializer(program, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bad_yaml_outcome_document_is_one_rejection_not_an_endless_loop() {
        let ruleset = crate::Ruleset::from_sources([(
            "r.nudge",
            "schema { plan: string  event upgraded }\npolicy { channels email }\n\
             rule r { when plan == \"a\" send email \"m\" cooldown 1 day }",
        )])
        .unwrap();
        let text = "id: a\n---\nid: b\n  bad: indent\n---\nid: c\n";
        let read = super::yaml_customers(ruleset.program(), text);
        assert_eq!(read.len(), 3);
        assert_eq!(read.iter().filter(|r| r.is_err()).count(), 1);
    }
}
