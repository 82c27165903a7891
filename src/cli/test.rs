//! `nudge test`: run a ruleset's YAML rule tests (docs/testing.md).

use std::io::IsTerminal;
use std::path::PathBuf;

use nudge::testing::{self, coverage::format_percent, report, Options, SnapshotMode};

/// Run the ruleset's rule tests: the YAML cases in `DIR/tests/*.yaml`.
///
/// Each case evaluates one customer at an instant and checks the outcomes it
/// expects; every case's full decision list is also compared with its
/// snapshot in `DIR/tests/snapshots/<file>.snap`. A missing snapshot is
/// written, unless the `CI` environment variable is set (then it fails, and
/// nothing is written). Prints one line per case, the failures in detail,
/// and `N passed, M failed` last. Exits 1 on any failure. The test file
/// format is described in docs/testing.md.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory (its tests are in `DIR/tests/`).
    #[arg(default_value = "rules")]
    dir: PathBuf,
    /// Write every missing or different snapshot (review the change, then
    /// commit it). Works even when `CI` is set.
    #[arg(long)]
    accept: bool,
    /// Report, per rule, whether the cases saw it send and not send, and per
    /// top-level condition whether it was seen true and false.
    #[arg(long)]
    coverage: bool,
    /// Fail when rule coverage (rules seen both sending and not sending, in
    /// percent of all rules) is below P. Implies --coverage.
    #[arg(long, value_name = "P", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    /// Output format: `human` (one line per case, failures in detail) or
    /// `junit` (JUnit XML on stdout, for CI systems).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Run only the cases whose name, or whose file's name, contains TEXT
    /// (ignoring case).
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Also write JUnit XML to FILE (with any --format).
    #[arg(long, value_name = "FILE")]
    junit_out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Junit,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage; write e.g. 90"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}

pub fn run(args: Args) -> u8 {
    let Some(ruleset) = super::load_ruleset(&args.dir) else {
        return 1;
    };
    let options = Options {
        filter: args.filter.clone(),
        snapshots: SnapshotMode::from_env(args.accept),
    };
    let run = match testing::run(&ruleset, &args.dir, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    super::print_diagnostics(&run.diagnostics, &run.sources);

    // Colours for terminals only, unless NO_COLOR asks for none.
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let show_coverage = args.coverage || args.min_coverage.is_some();
    let coverage_text =
        show_coverage.then(|| run.coverage.render(color && args.format == Format::Human));
    match args.format {
        Format::Human => {
            print!("{}", report::human(&run, color));
            if let Some(text) = &coverage_text {
                print!("\n{text}");
            }
            println!("\n{}", run.summary());
        }
        Format::Junit => {
            print!("{}", report::junit(&run));
            if let Some(text) = &coverage_text {
                eprint!("{text}");
            }
            eprintln!("{}", run.summary());
        }
    }
    let mut ok = run.success();
    if let Some(path) = &args.junit_out {
        if let Err(e) = std::fs::write(path, report::junit(&run)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            ok = false;
        }
    }
    if options.filter.is_some() && run.total() == 0 && run.files.iter().all(|f| !f.broken) {
        eprintln!(
            "error: no test case matches --filter {:?}",
            options.filter.unwrap_or_default()
        );
        ok = false;
    }
    if let Some(min) = args.min_coverage {
        let got = run.coverage.percent();
        if got < min {
            eprintln!(
                "error: rule coverage {}% is below --min-coverage {}%",
                format_percent(got),
                format_percent(min)
            );
            ok = false;
        }
    }
    u8::from(!ok)
}
