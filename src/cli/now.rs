//! `--now`: the evaluation instant of the commands that evaluate rules, and
//! the parser of every time option.

use chrono::{DateTime, Utc};

/// The evaluation instant, flattened into a command's arguments.
#[derive(Debug, clap::Args)]
pub struct Now {
    /// The evaluation instant (RFC 3339); default: now, rounded down to the second.
    #[arg(long, value_parser = parse)]
    now: Option<DateTime<Utc>>,
}

impl Now {
    /// The instant given, or the current one rounded down to the second
    /// ([`nudge::instant::or_current`]).
    pub fn instant(&self) -> DateTime<Utc> {
        nudge::instant::or_current(self.now)
    }
}

/// The parser of every time option: [`nudge::instant::parse`], with the fix
/// in the message.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    nudge::instant::parse(text).map_err(|e| format!("{e}; write e.g. {}", nudge::instant::EXAMPLE))
}
