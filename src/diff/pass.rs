//! The streaming pass of a diff on the library batch engine
//! ([`crate::batch`]): [`Pair`] is the batch [`Step`] — each record is read
//! once (once per side when the schemas differ), evaluated by both
//! rulesets and compared on the worker threads — and the [`Accumulator`]
//! is the [`Sink`], adding customers up in input order. Memory stays flat:
//! the engine keeps a few blocks in flight, and the report is bounded by
//! the number of rules.

use std::io;

use chrono::{DateTime, Utc};

use super::compare::{CustomerDiff, Pair};
use super::report::{Accumulator, DiffReport};
use super::source::LoadedRuleset;
use crate::batch::{
    Batch, BatchError, Input, InputSummary, Record, Rejected, Rejection, Sink, Step,
};

impl Step for Pair {
    type Output = CustomerDiff;

    fn run(&self, record: Record<'_>) -> Result<CustomerDiff, Rejection> {
        Ok(self.compare_with(|ruleset| record.read(ruleset))?)
    }
}

impl Sink<CustomerDiff> for Accumulator {
    fn output(&mut self, _line: u64, diff: CustomerDiff) -> io::Result<()> {
        self.add(diff);
        Ok(())
    }

    fn rejected(&mut self, rejected: &Rejected) -> io::Result<()> {
        self.reject(&rejected.input, rejected.line, rejected.reason.to_string());
        Ok(())
    }
}

/// How a diff runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The evaluation instant, the same for both rulesets.
    pub now: DateTime<Utc>,
    /// Example customers kept per transition (the first in input order).
    pub examples: usize,
    /// Worker threads (`None`: the current rayon pool, all cores).
    pub threads: Option<usize>,
}

/// A diff in progress: feed it inputs, then take the report.
#[derive(Debug)]
pub struct DiffRun<'a> {
    before: &'a LoadedRuleset,
    after: &'a LoadedRuleset,
    batch: Batch<Pair>,
    accumulator: Accumulator,
}

impl<'a> DiffRun<'a> {
    /// Pairs the two rulesets and starts the worker threads.
    pub fn new(
        before: &'a LoadedRuleset,
        after: &'a LoadedRuleset,
        options: &Options,
    ) -> Result<DiffRun<'a>, BatchError> {
        let pair = Pair::new(before.ruleset.clone(), after.ruleset.clone(), options.now);
        let accumulator = Accumulator::new(&pair, options.examples);
        let mut batch = Batch::new(pair);
        if let Some(threads) = options.threads {
            batch = batch.threads(threads)?;
        }
        Ok(DiffRun {
            before,
            after,
            batch,
            accumulator,
        })
    }

    /// Streams one input through both rulesets.
    pub fn input(&mut self, input: Input) -> Result<InputSummary, BatchError> {
        self.batch.run(input, &mut self.accumulator)
    }

    /// The report of every input so far.
    pub fn finish(self) -> DiffReport {
        self.accumulator
            .finish(self.batch.step(), self.before, self.after)
    }
}

/// Evaluates both rulesets over every input in one streaming pass and
/// returns the report.
pub fn run(
    before: &LoadedRuleset,
    after: &LoadedRuleset,
    inputs: impl IntoIterator<Item = Input>,
    options: &Options,
) -> Result<DiffReport, BatchError> {
    let mut run = DiffRun::new(before, after, options)?;
    for input in inputs {
        run.input(input)?;
    }
    Ok(run.finish())
}
