//! What a run tallies ([`Counts`], one [`InputSummary`] per input) and the
//! record of a whole run ([`Manifest`]), written beside the decisions.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::reject::Rejected;
use crate::decision::{Evaluation, Outcome};
use crate::history::HistoryFile;
use crate::snapshot::UnknownKeyNames;
use crate::value::format_time;
use crate::Ruleset;

/// At most this many rejected records are kept with their reasons (the
/// count goes on).
pub const MAX_REJECTED_KEPT: usize = 1000;

/// Customers, decisions and outcomes counted over evaluations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Customers evaluated (valid or invalid).
    pub customers: u64,
    /// Customers whose snapshot did not fit the schema.
    pub invalid: u64,
    /// Decisions, every outcome.
    pub decisions: u64,
    /// Decisions per outcome, in the order of [`Outcome::ALL`].
    pub outcomes: [u64; Outcome::ALL.len()],
    /// Snapshot keys not in the schema (ignored).
    pub unknown_keys: u64,
    /// The first of them by name, with counts.
    pub unknown_key_names: UnknownKeyNames,
    /// Warnings on decisions.
    pub warnings: u64,
}

impl Counts {
    /// The counts of one evaluation.
    pub fn of(evaluation: &Evaluation) -> Counts {
        let mut counts = Counts {
            customers: 1,
            invalid: u64::from(evaluation.is_invalid()),
            decisions: evaluation.decisions.len() as u64,
            unknown_keys: u64::from(evaluation.unknown_keys),
            unknown_key_names: evaluation.unknown_key_names.clone(),
            ..Counts::default()
        };
        for d in &evaluation.decisions {
            if let Some(i) = Outcome::ALL.iter().position(|o| *o == d.outcome) {
                if let Some(n) = counts.outcomes.get_mut(i) {
                    *n += 1;
                }
            }
            counts.warnings += d.warnings.len() as u64;
        }
        counts
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.customers += other.customers;
        self.invalid += other.invalid;
        self.decisions += other.decisions;
        for (n, m) in self.outcomes.iter_mut().zip(other.outcomes) {
            *n += m;
        }
        self.unknown_keys += other.unknown_keys;
        self.unknown_key_names.merge(&other.unknown_key_names);
        self.warnings += other.warnings;
    }

    /// The decisions with `outcome`.
    pub fn outcome(&self, outcome: Outcome) -> u64 {
        Outcome::ALL
            .iter()
            .position(|o| *o == outcome)
            .and_then(|i| self.outcomes.get(i).copied())
            .unwrap_or(0)
    }
}

/// One input of a run.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct InputSummary {
    /// The input's name (a path, or `-` for stdin).
    pub file: String,
    /// SHA-256 of the bytes read; only computed when a manifest is wanted
    /// ([`Options::hash_inputs`](super::Options::hash_inputs)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Customers read (valid or invalid).
    pub records: u64,
    /// Records rejected (not a customer at all, or a duplicate id).
    pub rejected: u64,
    /// Of those, records whose customer id was already seen in the run.
    pub duplicates: u64,
    /// Blank lines (empty or whitespace only), skipped.
    pub blank_lines: u64,
    /// The first rejected records (at most [`MAX_REJECTED_KEPT`]).
    #[serde(skip)]
    pub rejections: Vec<Rejected>,
}

/// A rejected record, as the manifest lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RejectedLine {
    /// The input's name.
    pub file: String,
    /// The line (or customer position in a JSON array or YAML file).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// The record of one batch run (`nudge eval --manifest`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Manifest {
    /// `nudge` and its version.
    pub engine: String,
    /// The ruleset's SHA-256.
    pub ruleset: String,
    /// The evaluation instant.
    pub now: String,
    /// Every input, in order.
    pub inputs: Vec<InputSummary>,
    /// Earlier decision logs read as message history (`--history`), with
    /// their SHA-256.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryFile>,
    /// Customers evaluated (valid or invalid).
    pub customers: u64,
    /// Customers whose snapshot did not fit the schema.
    pub invalid_customers: u64,
    /// Decisions written.
    pub decisions: u64,
    /// Decisions per outcome (every outcome listed, zero included).
    pub outcomes: BTreeMap<String, u64>,
    /// Records rejected, over all inputs.
    pub rejected_lines: u64,
    /// Of those, records whose customer id was already seen in the run.
    pub duplicate_ids: u64,
    /// The first rejected lines (at most 1000), with why.
    pub rejected: Vec<RejectedLine>,
    /// Blank lines (empty or whitespace only) skipped, over all inputs.
    pub blank_lines: u64,
    /// Snapshot keys not in the schema (ignored).
    pub unknown_keys: u64,
    /// The first of them by name (at most [`UnknownKeyNames::MAX`]), with
    /// how often each was met.
    pub unknown_key_names: UnknownKeyNames,
    /// Warnings on decisions.
    pub warnings: u64,
    /// When the run started.
    pub started_at: String,
    /// When the run ended.
    pub finished_at: String,
}

impl Manifest {
    /// The manifest of a run of `ruleset` at `now` over `inputs`, which
    /// produced `counts`, between `started_at` and now.
    pub fn new(
        ruleset: &Ruleset,
        now: DateTime<Utc>,
        inputs: Vec<InputSummary>,
        counts: &Counts,
        started_at: DateTime<Utc>,
    ) -> Manifest {
        let rejected = inputs
            .iter()
            .flat_map(|i| &i.rejections)
            .take(MAX_REJECTED_KEPT)
            .map(|r| RejectedLine {
                file: r.input.to_string(),
                line: r.line,
                reason: r.reason.to_string(),
            })
            .collect();
        Manifest {
            engine: format!("nudge {}", env!("CARGO_PKG_VERSION")),
            ruleset: ruleset.hash().to_string(),
            now: format_time(now.timestamp_micros()),
            rejected_lines: inputs.iter().map(|i| i.rejected).sum(),
            duplicate_ids: inputs.iter().map(|i| i.duplicates).sum(),
            blank_lines: inputs.iter().map(|i| i.blank_lines).sum(),
            rejected,
            inputs,
            history: Vec::new(),
            customers: counts.customers,
            invalid_customers: counts.invalid,
            decisions: counts.decisions,
            outcomes: Outcome::ALL
                .iter()
                .map(|o| (o.as_str().to_string(), counts.outcome(*o)))
                .collect(),
            unknown_keys: counts.unknown_keys,
            unknown_key_names: counts.unknown_key_names.clone(),
            warnings: counts.warnings,
            started_at: format_time(started_at.timestamp_micros()),
            finished_at: format_time(Utc::now().timestamp_micros()),
        }
    }

    /// Writes the manifest as pretty JSON, atomically.
    pub fn write(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let mut f = crate::atomic_file::AtomicFile::create(path)?;
        self.write_to(&mut f)?;
        f.commit()
    }

    /// Writes the manifest as pretty JSON to `out`.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")
    }
}
