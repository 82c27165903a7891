//! The per-record work of a batch run: a [`Step`] turns one [`Record`] into
//! an output (or rejects it). It runs on the worker threads, so it is
//! `Sync` and takes `&self`. [`Evaluate`] is the plain "evaluate one
//! ruleset" step; any `Fn(Record) -> Result<T, Rejection>` is a step too.

use chrono::{DateTime, Utc};

use std::sync::Arc;

use super::input::Record;
use super::reject::Rejection;
use crate::decision::Evaluation;
use crate::history::History;
use crate::snapshot::Customer;
use crate::Ruleset;

/// What a batch run does with each record, on the worker threads.
pub trait Step: Sync {
    /// The result for one record, handed to the sink in input order.
    type Output: Send;

    /// Processes one record.
    fn run(&self, record: Record<'_>) -> Result<Self::Output, Rejection>;

    /// This step, then `f` on its output (also on the worker threads:
    /// serializing there keeps the sink's thread free).
    fn map<F, U>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
        F: Fn(Self::Output) -> U + Sync,
        U: Send,
    {
        Map { step: self, f }
    }
}

impl<F, T> Step for F
where
    F: Fn(Record<'_>) -> Result<T, Rejection> + Sync,
    T: Send,
{
    type Output = T;

    fn run(&self, record: Record<'_>) -> Result<T, Rejection> {
        self(record)
    }
}

/// A step followed by a function of its output (see [`Step::map`]).
#[derive(Debug, Clone)]
pub struct Map<S, F> {
    step: S,
    f: F,
}

impl<S, F, U> Step for Map<S, F>
where
    S: Step,
    F: Fn(S::Output) -> U + Sync,
    U: Send,
{
    type Output = U;

    fn run(&self, record: Record<'_>) -> Result<U, Rejection> {
        self.step.run(record).map(&self.f)
    }
}

/// The default step: read the record with one ruleset and evaluate it at
/// one instant; the output is the whole [`Evaluation`].
#[derive(Debug, Clone)]
pub struct Evaluate {
    ruleset: Ruleset,
    now: DateTime<Utc>,
    explain: bool,
    history: Option<Arc<History>>,
}

impl Evaluate {
    /// Evaluates with `ruleset` at `now` (without `no_match` decisions).
    pub fn new(ruleset: Ruleset, now: DateTime<Utc>) -> Evaluate {
        Evaluate {
            ruleset,
            now,
            explain: false,
            history: None,
        }
    }

    /// Adds each customer's entries of earlier decision logs to its
    /// `messages` before evaluating it (`nudge eval --history`).
    pub fn history(mut self, history: Arc<History>) -> Evaluate {
        self.history = Some(history);
        self
    }

    /// Also gives a `no_match` decision for every rule that did not match.
    pub fn explain(mut self, explain: bool) -> Evaluate {
        self.explain = explain;
        self
    }

    /// The ruleset.
    pub fn ruleset(&self) -> &Ruleset {
        &self.ruleset
    }

    /// The evaluation instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }
}

impl Step for Evaluate {
    type Output = Evaluation;

    fn run(&self, record: Record<'_>) -> Result<Evaluation, Rejection> {
        let mut customer = record.read(&self.ruleset)?;
        if let (Some(history), Customer::Valid(snapshot)) = (&self.history, &mut customer) {
            history.extend(snapshot);
        }
        Ok(self.ruleset.evaluation(&customer, self.now, self.explain))
    }
}
