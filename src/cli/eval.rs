//! `nudge eval`: batch evaluation of customer snapshots into decision records.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use nudge::atomic_file::AtomicFile;
use nudge::batch::{
    Batch, Counts, Encoded, Evaluate, Manifest, NdjsonWriter, Options, Rejected, Sink, Step,
    UniqueCustomers,
};
use nudge::history::History;

/// Evaluate rules over customer snapshots and print decision records.
///
/// Reads NDJSON/JSONL (one customer per line), a JSON array (`.json`) or
/// YAML (`.yaml`, one customer, a list, or `---` documents); `-` is stdin.
/// Writes one JSON decision per line (every outcome except `no_match`,
/// unless `--explain`). A line that is not a customer is reported as
/// `file:line: why` and counted; the rest is still evaluated, and the exit
/// code is then 2 (as for a `--history` line that is not a decision record).
/// Blank lines are skipped and counted.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Snapshot files (`.ndjson`, `.jsonl`, `.json`, `.yaml`; `-` for stdin).
    #[arg(long, num_args = 1.., required = true)]
    snapshots: Vec<String>,
    #[command(flatten)]
    now: super::now::Now,
    /// Write decisions to FILE (atomically: a temporary file renamed when complete).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the run manifest (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Also write `no_match` decisions, with the failing condition.
    #[arg(long)]
    explain: bool,
    /// Worker threads, 1 to 256 (default: all cores).
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Earlier decision logs (files, or directories of `.ndjson`/`.jsonl`
    /// files) whose sends and holdouts become message history, so that
    /// cooldowns and caps work across runs.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    history: Vec<PathBuf>,
    /// Print no progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> u8 {
    let started = Utc::now();
    let clock = Instant::now();
    let Some(ruleset) = super::load_ruleset(&args.rules) else {
        return 1;
    };
    let now = args.now.instant();
    let mut evaluate = Evaluate::new(ruleset.clone(), now).explain(args.explain);
    let mut history_files = Vec::new();
    let mut history_rejected = 0;
    if !args.history.is_empty() {
        let history = match History::load(&args.history, now.timestamp_micros()) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        };
        for p in &history.problems.first {
            eprintln!("{p}");
        }
        history_rejected = history.problems.count;
        if !args.quiet {
            let files = history.files.len();
            eprintln!(
                "history: {} entries for {} customers from {files} file{}",
                history.entries(),
                history.customers(),
                if files == 1 { "" } else { "s" }
            );
        }
        history_files = history.files.clone();
        evaluate = evaluate.history(Arc::new(history));
    }
    let step = evaluate.map(Encoded::from);
    let options = Options {
        hash_inputs: args.manifest.is_some(),
    };
    let batch = match Batch::new(step)
        .options(options)
        .threads(args.threads.unwrap_or(0))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let out = match &args.out {
        Some(path) => match AtomicFile::create(path) {
            Ok(f) => {
                super::interrupt::remove_on_signal(f.temp_path());
                Output::File(f)
            }
            Err(e) => {
                eprintln!("error: cannot create {}: {e}", path.display());
                return 1;
            }
        },
        None => Output::Stdout(io::BufWriter::with_capacity(1 << 20, io::stdout())),
    };
    let manifest_file = match &args.manifest {
        Some(path) => match AtomicFile::create(path) {
            Ok(f) => {
                super::interrupt::remove_on_signal(f.temp_path());
                Some(f)
            }
            Err(e) => {
                eprintln!("error: cannot create {}: {e}", path.display());
                return 1;
            }
        },
        None => None,
    };
    let written = match &args.out {
        Some(path) => path.display().to_string(),
        None => String::from("standard output"),
    };
    let mut sink = Printed(NdjsonWriter::new(out));
    let progress = !args.quiet && io::stderr().is_terminal();
    let mut inputs = Vec::new();
    let mut unique = UniqueCustomers::default();
    for name in &args.snapshots {
        let summary = super::progress::read_input(name, progress, |input| {
            unique.input(name, input.format().unit());
            batch.run_admitting(input, &mut unique, &mut sink)
        });
        let summary = match summary {
            Ok(summary) => summary,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return 1;
            }
        };
        match summary {
            Ok(s) => inputs.push(s),
            Err(nudge::batch::BatchError::Write(e)) => {
                eprintln!("error: cannot write decisions to {written}: {e}");
                return 1;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let counts: Counts = sink.0.counts().clone();
    let elapsed = clock.elapsed();
    let mut manifest = Manifest::new(&ruleset, now, inputs, &counts, started);
    manifest.history = history_files;
    // Decisions and manifest are complete on disk before either is renamed
    // into place: a failed run leaves neither (and no temporary file).
    let mut files = Vec::new();
    match sink.0.into_inner() {
        Output::Stdout(mut w) => {
            if let Err(e) = w.flush() {
                eprintln!("error: cannot write decisions to {written}: {e}");
                return 1;
            }
        }
        Output::File(f) => files.push(f),
    }
    if let (Some(mut f), Some(path)) = (manifest_file, &args.manifest) {
        if let Err(e) = manifest.write_to(&mut f) {
            eprintln!("error: cannot write manifest {}: {e}", path.display());
            return 1;
        }
        files.push(f);
    }
    let temps: Vec<PathBuf> = files.iter().map(|f| f.temp_path().to_path_buf()).collect();
    let committed = AtomicFile::commit_all(files);
    for t in &temps {
        super::interrupt::forget(t);
    }
    if let Err(e) = committed {
        eprintln!("error: cannot write {e}");
        return 1;
    }
    if !args.quiet {
        print_summary(&manifest, elapsed.as_secs_f64());
    }
    if manifest.rejected_lines > 0 || history_rejected > 0 {
        2
    } else {
        0
    }
}

/// The NDJSON writer, printing each rejected line as `file:line: why`.
struct Printed(NdjsonWriter<Output>);

impl Sink<Encoded> for Printed {
    fn output(&mut self, line: u64, output: Encoded) -> io::Result<()> {
        self.0.output(line, output)
    }

    fn rejected(&mut self, rejected: &Rejected) -> io::Result<()> {
        eprintln!("{rejected}");
        Ok(())
    }
}

/// Where decisions go: stdout, or a file renamed into place when complete.
enum Output {
    Stdout(io::BufWriter<io::Stdout>),
    File(AtomicFile),
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
    let duplicates = if m.duplicate_ids > 0 {
        format!(" ({} duplicate ids)", m.duplicate_ids)
    } else {
        String::new()
    };
    let blank = if m.blank_lines > 0 {
        format!(
            ", {} skipped",
            count(m.blank_lines, "blank line", "blank lines")
        )
    } else {
        String::new()
    };
    eprintln!(
        "{}, {}{duplicates}{blank}, {}, {}",
        count(m.invalid_customers, "invalid snapshot", "invalid snapshots"),
        count(m.rejected_lines, "rejected line", "rejected lines"),
        unknown_keys(m),
        count(m.warnings, "warning", "warnings"),
    );
    let rate = if seconds > 0.0 {
        m.customers as f64 / seconds
    } else {
        0.0
    };
    eprintln!("{seconds:.2}s, {rate:.0} customers/s");
}

/// `2 unknown keys ignored (shoe_size: 1, hat: 1)`: the count and the first
/// names.
fn unknown_keys(m: &Manifest) -> String {
    let n = m.unknown_keys;
    let mut text = format!(
        "{n} unknown {} ignored",
        if n == 1 { "key" } else { "keys" }
    );
    if !m.unknown_key_names.is_empty() {
        text.push_str(&format!(" ({})", m.unknown_key_names.describe(n, 5)));
    }
    text
}

/// `--threads`: a whole number from 1 to [`MAX_THREADS`](nudge::batch::MAX_THREADS).
fn parse_threads(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=nudge::batch::MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to {}",
            nudge::batch::MAX_THREADS
        )),
    }
}
