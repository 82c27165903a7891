//! The command line: one file per subcommand, each parsing its arguments,
//! calling the library and printing. Exit codes follow docs/language.md#commands.

mod check;
mod diff;
mod eval;
mod explain;
mod fmt;
mod gen;
mod interrupt;
#[cfg(feature = "lsp")]
mod lsp;
mod now;
mod progress;
mod report;
#[cfg(feature = "server")]
mod serve;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// nudge: a declarative rules engine for lifecycle messaging.
///
/// Write rules in `.nudge` files, check them against your customer schema,
/// evaluate them over customer snapshots and get audited message decisions.
#[derive(Debug, Parser)]
#[command(
    name = "nudge",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Examples:
  nudge check rules                      check the rules (errors with file:line:column and a fix)
  nudge fmt rules                        format them (--check in CI)
  nudge test rules --coverage            run the rule tests in rules/tests/
  nudge eval --rules rules --snapshots customers.ndjson --out decisions.ndjson --manifest run.json
  nudge explain --rules rules --customer customers.ndjson --id c_000006
  nudge report --rules rules --decisions logs/ --outcomes today.ndjson --out lift.html
  nudge diff origin/main:rules rules --snapshots sample.ndjson --format markdown   (what a rule change does)
  nudge gen --count 1000000 | nudge eval --snapshots - --quiet > /dev/null   (a load test)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::Args),
    Fmt(fmt::Args),
    Eval(eval::Args),
    Diff(diff::Args),
    Explain(explain::Args),
    Gen(gen::Args),
    Report(report::Args),
    Test(test::Args),
    #[cfg(feature = "server")]
    Serve(serve::Args),
    #[cfg(feature = "lsp")]
    Lsp(lsp::Args),
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Report(args) => report::run(args),
        Command::Test(args) => test::run(args),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve::run(args),
        #[cfg(feature = "lsp")]
        Command::Lsp(args) => lsp::run(args),
    };
    ExitCode::from(code)
}

/// Prints diagnostics for people, in colour when stderr is a terminal.
pub(crate) fn print_diagnostics(
    diagnostics: &[nudge::diagnostic::Diagnostic],
    sources: &nudge::syntax::SourceSet,
) {
    for d in diagnostics {
        eprintln!("{:?}", miette::Report::new(d.to_report(sources)));
    }
}

/// Loads the ruleset at `dir` for a subcommand; on failure prints every
/// diagnostic (the command then exits with 1).
pub(crate) fn load_ruleset(dir: &std::path::Path) -> Option<nudge::Ruleset> {
    nudge::Ruleset::load(dir)
        .map_err(|e| print_load_error(&e))
        .ok()
}

/// Reads the rule files of `dir` for `check` and `fmt`; on failure prints
/// the error and gives the exit code to return.
pub(crate) fn read_rule_sources(dir: &std::path::Path) -> Result<nudge::syntax::SourceSet, u8> {
    nudge::ruleset::read_sources(dir).map_err(|e| {
        eprintln!("error: {e}");
        1
    })
}

/// Prints why a ruleset could not be loaded: every diagnostic, or the I/O error.
pub(crate) fn print_load_error(error: &nudge::LoadError) {
    match error {
        nudge::LoadError::Invalid {
            sources,
            diagnostics,
        } => {
            print_diagnostics(diagnostics, sources);
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "error: the ruleset has {errors} error{}; run `nudge check` for details",
                if errors == 1 { "" } else { "s" }
            );
        }
        other => eprintln!("error: {other}"),
    }
}
