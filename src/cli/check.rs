//! `nudge check`: parse, type-check and lint a ruleset.

use std::io::IsTerminal;
use std::path::PathBuf;

use nudge::ruleset::check_sources;

/// Parse, type-check and lint a ruleset.
///
/// Prints every error and warning with its file, line and column. Exits 0
/// when the ruleset is clean or has only warnings, 1 when it has errors.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(default_value = "rules")]
    dir: PathBuf,
    /// Output format: `human` (rendered diagnostics) or `json` (one array).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> u8 {
    let sources = match super::read_rule_sources(&args.dir) {
        Ok(sources) => sources,
        Err(code) => return code,
    };
    let result = check_sources(sources);
    let errors = result.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = result.diagnostics.len() - errors;
    match args.format {
        Format::Json => {
            let json: Vec<_> = result
                .diagnostics
                .iter()
                .map(|d| d.to_json(&result.sources))
                .collect();
            match serde_json::to_string_pretty(&json) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("error: {e}"),
            }
        }
        Format::Human => {
            super::print_diagnostics(&result.diagnostics, &result.sources);
            let summary = match (errors, warnings) {
                (0, 0) => format!(
                    "{}: ok, {} files, {} rules",
                    args.dir.display(),
                    result.sources.len(),
                    result.program.as_ref().map_or(0, |p| p.rules.len())
                ),
                (0, w) => format!("{}: ok with {w} warning{}", args.dir.display(), plural(w)),
                (e, w) => format!(
                    "{}: {e} error{}, {w} warning{}",
                    args.dir.display(),
                    plural(e),
                    plural(w)
                ),
            };
            if std::io::stderr().is_terminal() || errors > 0 {
                eprintln!("{summary}");
            } else {
                println!("{summary}");
            }
        }
    }
    u8::from(errors > 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
