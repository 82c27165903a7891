//! `nudge gen`: synthetic customers for any ruleset's schema.

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use nudge::gen::{generate, GenOptions};

/// Generate synthetic customers for a ruleset's schema, as NDJSON on stdout.
///
/// Every attribute, event and message shape the schema allows, with
/// realistic spreads (recent and old times, missing optionals, event lists
/// of varying length). Times are possible: each customer signs up first (at
/// the time attribute named like `signed_up_at`, if the schema has one) and
/// every other time, events and sent messages included, falls between its
/// sign-up and `--now`. The same seed always gives the same output. Useful to
/// load-test a ruleset: `nudge gen --count 1000000 | nudge eval --snapshots -`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// How many customers.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The instant the data is relative to (RFC 3339); default: now.
    #[arg(long, value_parser = super::now::parse)]
    now: Option<DateTime<Utc>>,
}

pub fn run(args: Args) -> u8 {
    let Some(ruleset) = super::load_ruleset(&args.rules) else {
        return 1;
    };
    let options = GenOptions {
        count: args.count,
        seed: args.seed,
        now: args.now.unwrap_or_else(Utc::now).timestamp_micros(),
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match generate(ruleset.program(), &options, &mut out).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
