//! `nudge eval`: batch evaluation of customer snapshots into decision records.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use nudge::arbitrate::Evaluation;
use nudge::decision::{AtomicFile, InputSummary, Manifest, Outcome, RejectedLine};
use nudge::snapshot::{Customer, RejectedInput};
use nudge::value::format_time;
use nudge::Ruleset;

/// Evaluate rules over customer snapshots and print decision records.
///
/// Reads NDJSON/JSONL (one customer per line), a JSON array (`.json`) or
/// YAML (`.yaml`, one customer, a list, or `---` documents); `-` is stdin.
/// Writes one JSON decision per line (every outcome except `no_match`,
/// unless `--explain`). A line that is not a customer is reported as
/// `file:line: why` and counted; the rest is still evaluated, and the exit
/// code is then 2.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Snapshot files (`.ndjson`, `.jsonl`, `.json`, `.yaml`; `-` for stdin).
    #[arg(long, num_args = 1.., required = true)]
    snapshots: Vec<String>,
    /// The evaluation instant (RFC 3339); default: now, rounded down to the second.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Write decisions to FILE (atomically: a temporary file renamed when complete).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the run manifest (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Also write `no_match` decisions, with the failing condition.
    #[arg(long)]
    explain: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print no progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time ({e}); write e.g. 2026-11-23T09:00:00Z"))
}

#[derive(Default)]
struct Totals {
    customers: u64,
    invalid: u64,
    decisions: u64,
    outcomes: BTreeMap<Outcome, u64>,
    rejected: u64,
    rejected_lines: Vec<RejectedLine>,
    unknown_keys: u64,
    warnings: u64,
}

/// The result of one input record, already serialized.
struct Done {
    line: u64,
    result: Result<(Vec<u8>, Stats), String>,
}

#[derive(Default)]
struct Stats {
    invalid: bool,
    outcomes: [u64; 7],
    unknown_keys: u64,
    warnings: u64,
}

fn outcome_index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

fn render(evaluation: &Evaluation) -> (Vec<u8>, Stats) {
    let mut buf = Vec::with_capacity(512 * evaluation.decisions.len().max(1));
    let mut stats = Stats {
        invalid: !evaluation.problems.is_empty(),
        unknown_keys: u64::from(evaluation.unknown_keys),
        ..Stats::default()
    };
    for d in &evaluation.decisions {
        if let Some(slot) = stats.outcomes.get_mut(outcome_index(d.outcome)) {
            *slot += 1;
        }
        stats.warnings += d.warnings.len() as u64;
        if serde_json::to_writer(&mut buf, d).is_ok() {
            buf.push(b'\n');
        }
    }
    (buf, stats)
}

fn evaluate_one(
    ruleset: &Ruleset,
    customer: Result<Customer, RejectedInput>,
    now: DateTime<Utc>,
    explain: bool,
) -> Result<(Vec<u8>, Stats), String> {
    let customer = customer.map_err(|e| e.to_string())?;
    let evaluation = if explain {
        ruleset.evaluate_with_explain(&customer, now)
    } else {
        nudge::arbitrate::evaluate(
            ruleset.program(),
            ruleset.hash(),
            &customer,
            now.timestamp_micros(),
            false,
        )
    };
    Ok(render(&evaluation))
}

enum Kind {
    Lines,
    JsonArray,
    Yaml,
}

fn kind_of(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Kind::JsonArray
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Kind::Yaml
    } else {
        Kind::Lines
    }
}

pub fn run(args: Args) -> u8 {
    let started = Utc::now();
    let clock = Instant::now();
    let ruleset = match Ruleset::load(&args.rules) {
        Ok(r) => r,
        Err(e) => {
            super::print_load_error(&e);
            return 1;
        }
    };
    let now = args.now.unwrap_or_else(|| {
        let t = Utc::now();
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    });
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return 1;
        }
    };
    let mut out = match &args.out {
        Some(path) => match AtomicFile::create(path) {
            Ok(f) => Output::File(f),
            Err(e) => {
                eprintln!("error: cannot create {}: {e}", path.display());
                return 1;
            }
        },
        None => Output::Stdout(io::BufWriter::with_capacity(1 << 20, io::stdout())),
    };
    let progress = !args.quiet && io::stderr().is_terminal();
    let mut totals = Totals::default();
    let mut inputs = Vec::new();
    for name in &args.snapshots {
        let summary = process_input(
            &ruleset,
            &pool,
            name,
            now,
            args.explain,
            progress,
            &mut out,
            &mut totals,
        );
        match summary {
            Ok(s) => inputs.push(s),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return 1;
            }
        }
    }
    if let Err(e) = out.finish() {
        eprintln!("error: cannot write decisions: {e}");
        return 1;
    }
    let elapsed = clock.elapsed();
    let manifest = Manifest {
        engine: format!("nudge {}", env!("CARGO_PKG_VERSION")),
        ruleset: ruleset.hash().to_string(),
        now: format_time(now.timestamp_micros()),
        inputs,
        customers: totals.customers,
        invalid_customers: totals.invalid,
        decisions: totals.decisions,
        outcomes: Outcome::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str().to_string(),
                    totals.outcomes.get(o).copied().unwrap_or(0),
                )
            })
            .collect(),
        rejected_lines: totals.rejected,
        rejected: totals.rejected_lines.clone(),
        unknown_keys: totals.unknown_keys,
        warnings: totals.warnings,
        started_at: format_time(started.timestamp_micros()),
        finished_at: format_time(Utc::now().timestamp_micros()),
    };
    if let Some(path) = &args.manifest {
        if let Err(e) = write_manifest(path, &manifest) {
            eprintln!("error: cannot write manifest {}: {e}", path.display());
            return 1;
        }
    }
    if !args.quiet {
        print_summary(&manifest, elapsed.as_secs_f64());
    }
    if totals.rejected > 0 {
        2
    } else {
        0
    }
}

/// Where decisions go: stdout, or a file renamed into place when complete.
enum Output {
    Stdout(io::BufWriter<io::Stdout>),
    File(AtomicFile),
}

impl Output {
    fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File(f) => f.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

fn write_manifest(path: &Path, manifest: &Manifest) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, manifest)?;
    f.write_all(b"\n")?;
    f.commit()
}

/// The run summary on stderr. The last line (time and rate) is the only one
/// that changes between identical runs.
fn print_summary(m: &Manifest, seconds: f64) {
    let outcomes: Vec<String> = m
        .outcomes
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(o, n)| format!("{o} {n}"))
        .collect();
    eprintln!(
        "evaluated {} customers at {}: {} decisions{}",
        m.customers,
        m.now,
        m.decisions,
        if outcomes.is_empty() {
            String::new()
        } else {
            format!(" ({})", outcomes.join(", "))
        },
    );
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    eprintln!(
        "{}, {}, {} ignored, {}",
        count(m.invalid_customers, "invalid snapshot", "invalid snapshots"),
        count(m.rejected_lines, "rejected line", "rejected lines"),
        count(m.unknown_keys, "unknown key", "unknown keys"),
        count(m.warnings, "warning", "warnings"),
    );
    let rate = if seconds > 0.0 {
        m.customers as f64 / seconds
    } else {
        0.0
    };
    eprintln!("{seconds:.2}s, {rate:.0} customers/s");
}

/// Whole lines of input: `data` holds them, `first_line` is the number of
/// the first.
struct Block {
    data: Vec<u8>,
    first_line: u64,
}

impl Block {
    /// Non-blank lines with their numbers.
    fn lines(&self) -> Vec<(u64, &[u8])> {
        let mut out = Vec::with_capacity(self.data.len() / 512 + 1);
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', &self.data).chain(std::iter::once(self.data.len()));
        for (i, end) in ends.enumerate() {
            let line = self.data.get(start..end).unwrap_or(&[]);
            start = end + 1;
            if !line.iter().all(u8::is_ascii_whitespace) {
                out.push((self.first_line + i as u64, line));
            }
        }
        out
    }
}

/// Bytes per block: large enough to keep the cores busy, small enough that
/// memory stays flat (a few blocks are in flight).
const BLOCK: usize = 4 << 20;

/// Reads blocks of whole lines, hashing every byte; returns the hasher.
/// Buffers of processed blocks come back on `recycled`, so memory is
/// allocated (and zeroed by the kernel) only for the first few blocks.
fn read_blocks(
    mut reader: Box<dyn Read + Send>,
    tx: &std::sync::mpsc::SyncSender<io::Result<Block>>,
    recycled: &std::sync::mpsc::Receiver<Vec<u8>>,
    bar: Option<&indicatif::ProgressBar>,
) -> io::Result<Sha256> {
    let mut hasher = Sha256::new();
    let mut carry: Vec<u8> = Vec::new();
    let mut next_line = 1u64;
    loop {
        let mut data = recycled.try_recv().unwrap_or_default();
        data.clear();
        data.append(&mut carry);
        let start = data.len();
        data.resize(start + BLOCK, 0);
        let mut filled = start;
        while filled < data.len() {
            match reader.read(&mut data[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                    return Err(e);
                }
            }
        }
        data.truncate(filled);
        hasher.update(&data[start..]);
        if let Some(bar) = bar {
            bar.inc((filled - start) as u64);
        }
        let eof = filled < start + BLOCK;
        if !eof {
            // Keep the unfinished last line for the next block.
            match memchr::memrchr(b'\n', &data) {
                Some(i) => carry.extend_from_slice(data.get(i + 1..).unwrap_or(&[])),
                None => {
                    carry = data;
                    continue;
                }
            }
            if let Some(i) = memchr::memrchr(b'\n', &data) {
                data.truncate(i + 1);
            }
        }
        if data.is_empty() {
            break;
        }
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64
            + u64::from(data.last() != Some(&b'\n'));
        let first_line = next_line;
        next_line += lines;
        if tx.send(Ok(Block { data, first_line })).is_err() || eof {
            break;
        }
    }
    Ok(hasher)
}

fn open(name: &str) -> io::Result<(Box<dyn Read + Send>, Option<u64>)> {
    if name == "-" {
        return Ok((Box::new(io::stdin()), None));
    }
    let file = std::fs::File::open(name)?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(file), len))
}

#[allow(clippy::too_many_arguments)]
fn process_input(
    ruleset: &Ruleset,
    pool: &rayon::ThreadPool,
    name: &str,
    now: DateTime<Utc>,
    explain: bool,
    progress: bool,
    out: &mut Output,
    totals: &mut Totals,
) -> io::Result<InputSummary> {
    let (reader, len) = open(name)?;
    let bar = progress.then(|| super::progress::bytes_bar(len, name));
    let mut hasher = Sha256::new();
    let mut summary = InputSummary {
        file: name.to_string(),
        ..InputSummary::default()
    };
    let line_based = matches!(kind_of(name), Kind::Lines);
    let mut record = |done: Done, out: &mut Output, summary: &mut InputSummary| -> io::Result<()> {
        match done.result {
            Ok((bytes, stats)) => {
                out.write_all(&bytes)?;
                summary.records += 1;
                totals.customers += 1;
                totals.invalid += u64::from(stats.invalid);
                totals.unknown_keys += stats.unknown_keys;
                totals.warnings += stats.warnings;
                for (o, n) in Outcome::ALL.iter().zip(stats.outcomes) {
                    if n > 0 {
                        *totals.outcomes.entry(*o).or_default() += n;
                        totals.decisions += n;
                    }
                }
            }
            Err(reason) => {
                if line_based {
                    eprintln!("{name}:{}: {reason}", done.line);
                } else {
                    eprintln!("{name}: customer #{}: {reason}", done.line);
                }
                summary.rejected += 1;
                totals.rejected += 1;
                if totals.rejected_lines.len() < 1000 {
                    totals.rejected_lines.push(RejectedLine {
                        file: name.to_string(),
                        line: done.line,
                        reason,
                    });
                }
            }
        }
        Ok(())
    };
    match kind_of(name) {
        Kind::Lines => {
            // A reader thread reads blocks of whole lines and hashes them
            // while the pool evaluates the previous block.
            let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Block>>(2);
            let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            let bar_for_reader = bar.clone();
            // Three stages: read (and hash), evaluate (the pool), write.
            let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Vec<Done>>(2);
            std::thread::scope(|scope| -> io::Result<()> {
                let reading = scope
                    .spawn(move || read_blocks(reader, &tx, &recycle_rx, bar_for_reader.as_ref()));
                let summary = &mut summary;
                let writing = scope.spawn(move || -> io::Result<()> {
                    for results in done_rx {
                        for done in results {
                            record(done, out, summary)?;
                        }
                    }
                    Ok(())
                });
                for block in rx {
                    let block = block?;
                    let lines = block.lines();
                    let results: Vec<Done> = pool.install(|| {
                        lines
                            .par_iter()
                            .map(|(line, bytes)| Done {
                                line: *line,
                                result: match std::str::from_utf8(bytes) {
                                    Ok(text) => evaluate_one(
                                        ruleset,
                                        ruleset.read_customer(text.trim_end()),
                                        now,
                                        explain,
                                    ),
                                    Err(_) => Err(String::from("not valid UTF-8")),
                                },
                            })
                            .collect()
                    });
                    drop(lines);
                    let _ = recycle_tx.send(block.data);
                    if done_tx.send(results).is_err() {
                        break;
                    }
                }
                drop(done_tx);
                writing
                    .join()
                    .map_err(|_| io::Error::other("the writer thread failed"))??;
                let digest = reading
                    .join()
                    .map_err(|_| io::Error::other("the reader thread failed"))??;
                hasher = digest;
                Ok(())
            })?;
        }
        Kind::JsonArray | Kind::Yaml => {
            let mut text = String::new();
            let mut reader = reader;
            reader.read_to_string(&mut text)?;
            hasher.update(text.as_bytes());
            if let Some(bar) = &bar {
                bar.inc(text.len() as u64);
            }
            let customers = match kind_of(name) {
                Kind::Yaml => nudge::snapshot::from_yaml_str(ruleset.program(), &text),
                _ => match nudge::snapshot::from_json_array(ruleset.program(), &text) {
                    Ok(items) => items,
                    Err(e) => vec![Err(e)],
                },
            };
            let results: Vec<Done> = pool.install(|| {
                customers
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, c)| Done {
                        line: i as u64 + 1,
                        result: evaluate_one(ruleset, c, now, explain),
                    })
                    .collect()
            });
            for done in results {
                record(done, out, &mut summary)?;
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summary.sha256 = nudge::ruleset::hex(&hasher.finalize());
    Ok(summary)
}
