//! The streaming batch engine: customers from files, stdin, any reader or
//! memory, through a per-record [`Step`] on all cores, into a [`Sink`] in
//! input order. `nudge eval`, the server's batch route and
//! `examples/batch.rs` all run it.
//!
//! # Design
//!
//! A run has three stages connected by bounded channels, so memory stays
//! flat whatever the input size:
//!
//! 1. **read** (its own thread): an [`Input`] is cut into blocks of whole
//!    lines (1 MiB); the bytes are hashed only when
//!    [`Options::hash_inputs`] asks for it (a manifest wants it).
//!    JSON arrays and YAML files are read whole and split into records.
//! 2. **step** (the calling thread and the rayon pool): every [`Record`] of
//!    a block goes through the [`Step`] in parallel; results keep input
//!    order. A step only sees one record, so it is `Sync` and stateless:
//!    [`Evaluate`] (one ruleset at one instant, output an
//!    [`Evaluation`]) is the default; any closure
//!    `Fn(Record) -> Result<T, Rejection>` is a step, and [`Step::map`]
//!    chains work that should also run in parallel (e.g. serializing with
//!    [`Encoded`]).
//! 3. **admit and sink** (its own thread, in input order): an optional
//!    [`Admit`] hook may still reject a record, with state across records
//!    (e.g. [`UniqueCustomers`]: a later line with an id already seen is
//!    rejected); then the run counts it in the [`InputSummary`] and hands it
//!    to the [`Sink`] (write NDJSON, collect, count, discard, or the
//!    caller's own).
//!
//! Records that are not customers are [`Rejected`] values (where, and a
//! typed [`Rejection`]); they are counted, the first
//! [`MAX_REJECTED_KEPT`] are kept in the summary, the sink sees each, and
//! the run goes on. Blank lines (empty or whitespace only) are skipped and
//! counted ([`InputSummary::blank_lines`]), by every caller alike.
//!
//! Callers that bring their own framing (the server reads an HTTP body;
//! a Python binding has Arrow string arrays) skip the reader and call
//! [`Batch::lines`] or [`Batch::records`] on each chunk: the same step, the
//! same parallelism, results in order.
//!
//! What the next features plug in: `nudge diff` is a step that reads each
//! record with two rulesets ([`Record::read`]) and compares the two
//! evaluations; `--history` is a step that merges extra messages into the
//! customer before evaluating it; duplicate detection is an [`Admit`]
//! hook. None of them copies the reading, ordering or writing.
//!
//! Without the `parallel` feature (e.g. `default-features = false`) the
//! step runs on the calling thread; everything else is the same.
//!
//! ```
//! use nudge::batch::{Batch, Collect, Evaluate, Input};
//!
//! let ruleset = nudge::Ruleset::from_sources([(
//!     "r.nudge",
//!     "schema { vip: bool }\npolicy { channels email }\n\
//!      rule vip_note { when vip send email \"note\" cooldown 7 days }",
//! )])?;
//! let now = nudge::instant::parse("2026-11-23T09:00:00Z")?;
//! let batch = Batch::new(Evaluate::new(ruleset, now));
//! let lines = [r#"{"id": "a", "vip": true}"#, "not json", r#"{"id": "b", "vip": false}"#];
//! let mut sink = Collect::default();
//! let summary = batch.run(Input::from_lines("memory", lines), &mut sink)?;
//! assert_eq!((summary.records, summary.rejected), (2, 1));
//! assert_eq!(sink.outputs[0].1.decisions.len(), 1);
//! assert_eq!(
//!     sink.rejected[0].to_string(),
//!     "memory:2: line is not a JSON object: expected `{` at column 1, found `not`"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ids;
mod input;
mod manifest;
mod reject;
mod sink;
mod step;
mod unique;

use std::io::{self, Read};
use std::sync::Arc;

#[cfg(feature = "parallel")]
use rayon::prelude::*;
use sha2::Digest;

pub use input::{Format, Input, Progress, Record, BOM};
pub use manifest::{Counts, InputSummary, Manifest, RejectedLine, MAX_REJECTED_KEPT};
pub use reject::{Rejected, Rejection, Unit};
pub use sink::{Collect, Discard, Encoded, NdjsonWriter, Sink};
pub use step::{Evaluate, Map, Step};
pub use unique::UniqueCustomers;

use crate::decision::Evaluation;

/// How a run treats its input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Compute each input's SHA-256 (for a manifest); off by default.
    pub hash_inputs: bool,
}

/// What [`Batch::lines`] made of one line, in line order.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<T> {
    /// A line that holds something: the step's output, or why it was rejected.
    Record(Processed<T>),
    /// A blank line (empty or whitespace only), by its number: skipped,
    /// never evaluated nor rejected, and counted
    /// ([`InputSummary::blank_lines`]). `nudge eval` and the server's batch
    /// route both treat blank lines so.
    Blank(u64),
}

/// The result of one record, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed<T> {
    /// The line number (or position in a JSON array or YAML file).
    pub line: u64,
    /// The step's output, or why the record was rejected.
    pub result: Result<T, Rejection>,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BatchError {
    /// An input could not be read.
    #[error("cannot read {input}: {source}")]
    Read {
        /// The input's name.
        input: String,
        /// The error.
        source: io::Error,
    },
    /// The sink failed.
    #[error("cannot write: {0}")]
    Write(#[source] io::Error),
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// More worker threads were asked for than [`MAX_THREADS`].
    #[error("{requested} worker threads is too many: at most {MAX_THREADS}")]
    TooManyThreads {
        /// The number asked for.
        requested: usize,
    },
}

/// The most worker threads a batch may ask for: far above any useful
/// figure, low enough that a typo cannot exhaust the machine.
pub const MAX_THREADS: usize = 256;

/// An ordered check after the step, with state across records: it may
/// still reject a record (see [`UniqueCustomers`]). Closures
/// `FnMut(u64, &T) -> Result<(), Rejection>` are hooks too.
pub trait Admit<T> {
    /// `Ok` keeps the record numbered `line`; `Err` rejects it.
    fn admit(&mut self, line: u64, output: &T) -> Result<(), Rejection>;
}

impl<T, F: FnMut(u64, &T) -> Result<(), Rejection>> Admit<T> for F {
    fn admit(&mut self, line: u64, output: &T) -> Result<(), Rejection> {
        self(line, output)
    }
}

/// Outputs that name their customer.
pub trait CustomerOutput {
    /// The customer's id.
    fn customer(&self) -> &str;
}

impl CustomerOutput for Evaluation {
    fn customer(&self) -> &str {
        &self.customer
    }
}

impl CustomerOutput for Encoded {
    fn customer(&self) -> &str {
        &self.customer
    }
}

/// Admits everything.
struct AdmitAll;

impl<T> Admit<T> for AdmitAll {
    fn admit(&mut self, _line: u64, _output: &T) -> Result<(), Rejection> {
        Ok(())
    }
}

/// A batch engine: a step, options and (with `parallel`) a thread pool.
/// Runs take `&self`; one engine runs any number of inputs.
#[derive(Debug)]
pub struct Batch<S> {
    step: S,
    options: Options,
    #[cfg(feature = "parallel")]
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl<S: Step> Batch<S> {
    /// An engine running `step` with default [`Options`], on the current
    /// rayon pool (all cores by default).
    pub fn new(step: S) -> Batch<S> {
        Batch {
            step,
            options: Options::default(),
            #[cfg(feature = "parallel")]
            pool: None,
        }
    }

    /// Sets the options.
    pub fn options(mut self, options: Options) -> Batch<S> {
        self.options = options;
        self
    }

    /// Runs the step on `threads` worker threads (0: all cores). Without
    /// the `parallel` feature the step always runs on the calling thread.
    pub fn threads(self, threads: usize) -> Result<Batch<S>, BatchError> {
        if threads > MAX_THREADS {
            return Err(BatchError::TooManyThreads { requested: threads });
        }
        #[cfg(feature = "parallel")]
        {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| BatchError::Threads(e.to_string()))?;
            Ok(Batch {
                pool: Some(Arc::new(pool)),
                ..self
            })
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = threads;
            Ok(self)
        }
    }

    /// The step.
    pub fn step(&self) -> &S {
        &self.step
    }

    /// `f` over `items` on the pool, results in order.
    fn map_ordered<I: Sync, T: Send>(&self, items: &[I], f: impl Fn(&I) -> T + Sync) -> Vec<T> {
        #[cfg(feature = "parallel")]
        {
            let run = || items.par_iter().map(&f).collect();
            match &self.pool {
                Some(pool) => pool.install(run),
                None => run(),
            }
        }
        #[cfg(not(feature = "parallel"))]
        {
            items.iter().map(f).collect()
        }
    }

    /// One NDJSON line (trailing whitespace and `\r` ignored); `None` for a
    /// blank line.
    fn line(&self, bytes: &[u8]) -> Option<Result<S::Output, Rejection>> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Some(Err(Rejection::NotUtf8));
        };
        let text = text.trim_end();
        if text.trim_start().is_empty() {
            return None;
        }
        Some(self.step.run(Record::Json(text)))
    }

    /// Runs the step over numbered NDJSON lines in parallel; one [`Line`]
    /// per line, in the order of `lines` (blank lines are
    /// [`Line::Blank`]). For callers with their own framing.
    pub fn lines<L: AsRef<[u8]> + Sync>(&self, lines: &[(u64, L)]) -> Vec<Line<S::Output>> {
        self.map_ordered(lines, |(line, bytes)| match self.line(bytes.as_ref()) {
            Some(result) => Line::Record(Processed {
                line: *line,
                result,
            }),
            None => Line::Blank(*line),
        })
    }

    /// Runs the step over records in parallel; results in the same order.
    pub fn records(&self, records: &[Record<'_>]) -> Vec<Result<S::Output, Rejection>> {
        self.map_ordered(records, |r| self.step.run(*r))
    }

    /// Streams `input` through the step into `sink`; returns what was read.
    pub fn run<K>(&self, input: Input, sink: &mut K) -> Result<InputSummary, BatchError>
    where
        K: Sink<S::Output> + Send,
    {
        self.run_admitting(input, &mut AdmitAll, sink)
    }

    /// [`Batch::run`] with an [`Admit`] hook between the step and the sink.
    pub fn run_admitting<A, K>(
        &self,
        mut input: Input,
        admit: &mut A,
        sink: &mut K,
    ) -> Result<InputSummary, BatchError>
    where
        A: Admit<S::Output> + Send,
        K: Sink<S::Output> + Send,
    {
        let read_error = |source| BatchError::Read {
            input: input.name.clone(),
            source,
        };
        let mut tally = Tally::new(&input.name, input.format);
        let hasher = match input.format {
            Format::Lines => self.run_lines(&mut input, admit, sink, &mut tally)?,
            Format::JsonArray | Format::Yaml => {
                let mut text = String::new();
                input.reader.read_to_string(&mut text).map_err(read_error)?;
                if let Some(progress) = &mut input.progress {
                    progress(text.len() as u64);
                }
                let records = text.strip_prefix(input::BOM).unwrap_or(&text);
                let results = self.whole(input.format, records);
                for (i, result) in results.into_iter().enumerate() {
                    let processed = Processed {
                        line: i as u64 + 1,
                        result,
                    };
                    tally
                        .accept(processed, admit, sink)
                        .map_err(BatchError::Write)?;
                }
                self.options
                    .hash_inputs
                    .then(|| crate::digest::hex(&sha2::Sha256::digest(text.as_bytes())))
            }
        };
        tally.summary.sha256 = hasher;
        Ok(tally.summary)
    }

    /// The records of a whole JSON array or YAML text, through the step.
    fn whole(&self, format: Format, text: &str) -> Vec<Result<S::Output, Rejection>> {
        match format {
            Format::Yaml => {
                let docs = yaml_records(text);
                let records: Vec<Record> = docs
                    .iter()
                    .filter_map(|d| d.as_ref().ok().map(Record::Yaml))
                    .collect();
                let mut results = self.records(&records).into_iter();
                docs.iter()
                    .filter_map(|d| match d {
                        Ok(_) => results.next(),
                        Err(e) => Some(Err(e.clone())),
                    })
                    .collect()
            }
            _ => match serde_json::from_str::<Vec<serde_json::Value>>(text) {
                Ok(values) => {
                    let records: Vec<Record> = values.iter().map(Record::Value).collect();
                    self.records(&records)
                }
                Err(e) => vec![Err(Rejection::NotACustomer(crate::snapshot::not_json(
                    &e,
                    text,
                    crate::snapshot::JsonTop::Array,
                )))],
            },
        }
    }

    /// The three-stage pipeline over blocks of lines; returns the hasher.
    fn run_lines<A, K>(
        &self,
        input: &mut Input,
        admit: &mut A,
        sink: &mut K,
        tally: &mut Tally,
    ) -> Result<Option<String>, BatchError>
    where
        A: Admit<S::Output> + Send,
        K: Sink<S::Output> + Send,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Vec<Line<S::Output>>>(2);
        let hash = self.options.hash_inputs;
        let name = Arc::clone(&tally.name);
        let Input {
            reader, progress, ..
        } = input;
        std::thread::scope(|scope| {
            let reading = scope
                .spawn(move || input::read_blocks(&mut **reader, hash, progress, &tx, &recycle_rx));
            let writing = scope.spawn(move || -> io::Result<()> {
                for results in done_rx {
                    for line in results {
                        match line {
                            Line::Record(processed) => tally.accept(processed, admit, sink)?,
                            Line::Blank(_) => tally.summary.blank_lines += 1,
                        }
                    }
                }
                Ok(())
            });
            for block in rx {
                let Ok(block) = block else { break };
                let lines = block.lines();
                let results = self.lines(&lines);
                drop(lines);
                let _ = recycle_tx.send(block.data);
                if done_tx.send(results).is_err() {
                    break;
                }
            }
            drop(done_tx);
            let written = writing
                .join()
                .map_err(|_| BatchError::Threads(String::from("the writer thread failed")))?;
            let read = reading
                .join()
                .map_err(|_| BatchError::Threads(String::from("the reader thread failed")))?;
            // A failed write stops the run first: report it, not the read.
            written.map_err(BatchError::Write)?;
            let hasher = read.map_err(|source| BatchError::Read {
                input: name.to_string(),
                source,
            })?;
            Ok(hasher.map(|h| crate::digest::hex(&h.finalize())))
        })
    }
}

/// The ordered end of a run: admit, count, keep the first rejections,
/// hand to the sink.
struct Tally {
    name: Arc<str>,
    unit: Unit,
    summary: InputSummary,
}

impl Tally {
    fn new(name: &str, format: Format) -> Tally {
        Tally {
            name: Arc::from(name),
            unit: format.unit(),
            summary: InputSummary {
                file: name.to_string(),
                ..InputSummary::default()
            },
        }
    }

    fn accept<T, A, K>(
        &mut self,
        processed: Processed<T>,
        admit: &mut A,
        sink: &mut K,
    ) -> io::Result<()>
    where
        A: Admit<T>,
        K: Sink<T>,
    {
        let line = processed.line;
        let result = processed
            .result
            .and_then(|output| admit.admit(line, &output).map(|()| output));
        match result {
            Ok(output) => {
                self.summary.records += 1;
                sink.output(line, output)
            }
            Err(reason) => {
                let rejected = Rejected {
                    input: Arc::clone(&self.name),
                    line,
                    unit: self.unit,
                    reason,
                };
                self.summary.rejected += 1;
                if matches!(rejected.reason, Rejection::Duplicate { .. }) {
                    self.summary.duplicates += 1;
                }
                let sent = sink.rejected(&rejected);
                if self.summary.rejections.len() < MAX_REJECTED_KEPT {
                    self.summary.rejections.push(rejected);
                }
                sent
            }
        }
    }
}

/// The records of a YAML text (see [`crate::snapshot::yaml_records`]).
fn yaml_records(text: &str) -> Vec<Result<serde_yaml::Value, Rejection>> {
    crate::snapshot::yaml_records(text)
        .into_iter()
        .map(|record| record.map_err(Rejection::NotACustomer))
        .collect()
}

#[cfg(all(test, feature = "gen"))]
mod tests;
