//! Where a batch run's results go, in input order: a [`Sink`]. The library
//! has sinks that write NDJSON ([`NdjsonWriter`]), collect ([`Collect`]),
//! count ([`Counts`]) and discard ([`Discard`]); callers write their own
//! (the CLI prints rejections, the server streams a response).

use std::io::{self, Write};

use super::manifest::Counts;
use super::reject::Rejected;
use crate::decision::Evaluation;

/// Receives the results of a run in input order, on one thread (the
/// run's writer thread: a sink is `Send`, not necessarily `Sync`).
pub trait Sink<T> {
    /// The output of the record numbered `line`.
    fn output(&mut self, line: u64, output: T) -> io::Result<()>;

    /// A rejected record. By default nothing is done (the run counts it and
    /// keeps the first ones in its [`InputSummary`](super::InputSummary)).
    fn rejected(&mut self, rejected: &Rejected) -> io::Result<()> {
        let _ = rejected;
        Ok(())
    }
}

impl<T, K: Sink<T> + ?Sized> Sink<T> for &mut K {
    fn output(&mut self, line: u64, output: T) -> io::Result<()> {
        (**self).output(line, output)
    }

    fn rejected(&mut self, rejected: &Rejected) -> io::Result<()> {
        (**self).rejected(rejected)
    }
}

/// One evaluation already serialized: its decisions as NDJSON lines, and
/// its counts. Made on the worker threads with
/// `Evaluate::new(..).map(Encoded::from)`, so the writer only copies bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The customer's id.
    pub customer: String,
    /// One JSON decision per line, each ending in `\n`.
    pub ndjson: Vec<u8>,
    /// The evaluation's counts.
    pub counts: Counts,
}

impl From<Evaluation> for Encoded {
    fn from(evaluation: Evaluation) -> Encoded {
        Encoded::new(&evaluation)
    }
}

impl Encoded {
    /// Serializes an evaluation's decisions.
    pub fn new(evaluation: &Evaluation) -> Encoded {
        // Records are 400–900 bytes; room for 1 KiB each means the buffer
        // is seldom copied while it grows.
        let mut ndjson = Vec::with_capacity(1024 * evaluation.decisions.len().max(1));
        for d in &evaluation.decisions {
            crate::decision::json::write_decision(&mut ndjson, d);
            ndjson.push(b'\n');
        }
        Encoded {
            customer: evaluation.customer.clone(),
            ndjson,
            counts: Counts::of(evaluation),
        }
    }
}

/// Writes decisions as NDJSON (one JSON decision per line) and counts them.
#[derive(Debug)]
pub struct NdjsonWriter<W> {
    out: W,
    counts: Counts,
}

impl<W: Write> NdjsonWriter<W> {
    /// Writes to `out` (buffer it: decisions are written a few at a time).
    pub fn new(out: W) -> NdjsonWriter<W> {
        NdjsonWriter {
            out,
            counts: Counts::default(),
        }
    }

    /// What was written so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// The writer, e.g. to flush or commit it.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink<Encoded> for NdjsonWriter<W> {
    fn output(&mut self, _line: u64, output: Encoded) -> io::Result<()> {
        self.counts.add(&output.counts);
        self.out.write_all(&output.ndjson)
    }
}

impl<W: Write> Sink<Evaluation> for NdjsonWriter<W> {
    fn output(&mut self, line: u64, output: Evaluation) -> io::Result<()> {
        Sink::<Encoded>::output(self, line, Encoded::new(&output))
    }
}

/// Keeps every output with its record number, and every rejection.
#[derive(Debug, Clone, PartialEq)]
pub struct Collect<T> {
    /// `(record number, output)` in input order.
    pub outputs: Vec<(u64, T)>,
    /// Rejected records, in input order.
    pub rejected: Vec<Rejected>,
}

impl<T> Default for Collect<T> {
    fn default() -> Self {
        Collect {
            outputs: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

impl<T> Sink<T> for Collect<T> {
    fn output(&mut self, line: u64, output: T) -> io::Result<()> {
        self.outputs.push((line, output));
        Ok(())
    }

    fn rejected(&mut self, rejected: &Rejected) -> io::Result<()> {
        self.rejected.push(rejected.clone());
        Ok(())
    }
}

/// Counting is a sink too (of evaluations, or of encoded ones).
impl Sink<Evaluation> for Counts {
    fn output(&mut self, _line: u64, output: Evaluation) -> io::Result<()> {
        self.add(&Counts::of(&output));
        Ok(())
    }
}

impl Sink<Encoded> for Counts {
    fn output(&mut self, _line: u64, output: Encoded) -> io::Result<()> {
        self.add(&output.counts);
        Ok(())
    }
}

/// Drops every result (benchmarks, validation-only runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl<T> Sink<T> for Discard {
    fn output(&mut self, _line: u64, _output: T) -> io::Result<()> {
        Ok(())
    }
}
