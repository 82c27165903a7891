//! `nudge diff`: what a rule change does to the decisions of a set of
//! customers, for a pull request.

use std::io::{IsTerminal, Write};

use nudge::diff::{self, DiffRun, RulesetSource};

/// Compare two rulesets over the same customer snapshots: who gets a
/// different decision, and why.
///
/// BEFORE and AFTER are ruleset directories, or `REV:DIR` read from git in
/// the repository holding the current directory (e.g. `origin/main:rules`;
/// no checkout needed). Decisions are paired by (customer, rule). The
/// report gives the customers whose decisions changed, sends gained and
/// lost by channel, per-rule outcome counts before → after, and each
/// transition (`no_match → send`) with example customers and the conditions
/// whose values changed.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nudge diff origin/main:rules rules --snapshots sample.ndjson --format markdown > diff.md
  nudge diff rules-old rules --snapshots customers.ndjson --now 2026-11-23T09:00:00Z
  nudge diff HEAD~1:rules rules --snapshots sample.ndjson --fail-on-change

Exit codes: 0 the report was written (with --fail-on-change: and no decision
differs); 1 with --fail-on-change, some decision differs; 2 a ruleset or a
snapshot file could not be read.")]
pub struct Args {
    /// The ruleset before the change: a directory or `REV:DIR`.
    before: String,
    /// The ruleset after the change: a directory or `REV:DIR`.
    after: String,
    /// Snapshot files (`.ndjson`, `.jsonl`, `.json`, `.yaml`; `-` for stdin).
    #[arg(long, num_args = 1.., required = true)]
    snapshots: Vec<String>,
    #[command(flatten)]
    now: super::now::Now,
    /// The report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Example customers shown per transition (the first in input order).
    #[arg(long, default_value_t = 5, value_name = "N")]
    examples: usize,
    /// Exit with code 1 when any decision differs (0 when none does).
    #[arg(long)]
    fail_on_change: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// For a terminal (colours when stdout is one).
    Text,
    /// For a pull-request comment.
    Markdown,
    /// For machines.
    Json,
}

fn load(text: &str) -> Option<diff::LoadedRuleset> {
    match RulesetSource::parse(text).load() {
        Ok(loaded) => Some(loaded),
        Err(diff::SourceError::Load { error, label }) => {
            eprintln!("error: cannot load {label}");
            super::print_load_error(&error);
            None
        }
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            None
        }
    }
}

pub fn run(args: Args) -> u8 {
    let (Some(before), Some(after)) = (load(&args.before), load(&args.after)) else {
        return 2;
    };
    let options = diff::Options {
        now: args.now.instant(),
        examples: args.examples,
        threads: args.threads,
    };
    let mut run = match DiffRun::new(&before, &after, &options) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let progress = std::io::stderr().is_terminal();
    for name in &args.snapshots {
        let done = match super::progress::read_input(name, progress, |input| run.input(input)) {
            Ok(done) => done,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return 2;
            }
        };
        if let Err(e) = done {
            eprintln!("error: {e}");
            return 2;
        }
    }
    let report = run.finish();
    for r in &report.rejected {
        eprintln!("{}:{}: {}", r.file, r.line, r.reason);
    }
    let unlisted = report
        .rejected_lines
        .saturating_sub(report.rejected.len() as u64);
    if unlisted > 0 {
        eprintln!("… and {unlisted} more lines that are not customers");
    }
    let text = match args.format {
        Format::Markdown => diff::markdown::render(&report),
        Format::Text => diff::text::render(&report, std::io::stdout().is_terminal()),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(e) => {
                eprintln!("error: cannot write the report: {e}");
                return 2;
            }
        },
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    if args.fail_on_change && report.has_changes() {
        1
    } else {
        0
    }
}
