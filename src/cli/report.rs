//! `nudge report`: did the messages work? A thin client of
//! [`nudge::report`].

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use nudge::atomic_file::AtomicFile;
use nudge::report::{self, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Markdown,
    Json,
    Html,
}

/// Measure each rule's goal: conversion of treated (`send`) against
/// control (`held_out`) customers, with the lift, its 95% confidence
/// interval and a p-value, overall and per variant.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nudge report --rules rules --decisions logs/ --outcomes customers-2026-12-07.ndjson
  nudge report --decisions week48.ndjson --outcomes today.ndjson --out lift.html")]
pub struct Args {
    /// The ruleset directory (its goals say what counts as a conversion).
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Decision logs written by `nudge eval`: files, or directories of
    /// `.ndjson`/`.jsonl` files. A customer's first `send` or
    /// `held_out` decision for a rule puts it in that rule's groups.
    #[arg(long, required = true, num_args = 1..)]
    decisions: Vec<PathBuf>,
    /// Customer snapshots taken after the messages (`.ndjson`/`.jsonl`
    /// streamed, `.json`, `.yaml`); only `id` and `events` are read.
    #[arg(long, required = true, num_args = 1..)]
    outcomes: Vec<PathBuf>,
    /// Output format; default: from the `--out` extension, else markdown.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The instant the outcome snapshots describe (RFC 3339); customers whose
    /// goal window ends after it are left out as pending. Default: now.
    #[arg(long, value_parser = super::now::parse)]
    as_of: Option<DateTime<Utc>>,
    /// The smallest treated and control group that gets a verdict.
    #[arg(long, default_value_t = report::DEFAULT_MIN_SAMPLE)]
    min_sample: u64,
}

pub fn run(args: Args) -> u8 {
    let Some(ruleset) = super::load_ruleset(&args.rules) else {
        return 1;
    };
    let options = Options {
        decisions: args.decisions,
        outcomes: args.outcomes,
        as_of: args.as_of.unwrap_or_else(Utc::now),
        min_sample: args.min_sample,
    };
    let built = match report::build(ruleset.program(), &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let extension = args
        .out
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = args.format.unwrap_or(match extension.as_deref() {
        Some("html" | "htm") => Format::Html,
        Some("json") => Format::Json,
        _ => Format::Markdown,
    });
    let text = match format {
        Format::Markdown => report::markdown(&built),
        Format::Json => report::json(&built),
        Format::Html => report::html(&built),
    };
    let written = match &args.out {
        Some(path) => AtomicFile::create(path).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.commit()
        }),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return 1;
    }
    for p in &built.problems {
        eprintln!("warning: {p}");
    }
    if built.rejected_lines > built.problems.len() as u64 {
        eprintln!(
            "warning: {} more rejected lines",
            built.rejected_lines - built.problems.len() as u64
        );
    }
    if built.rejected_lines > 0 {
        2
    } else {
        0
    }
}
