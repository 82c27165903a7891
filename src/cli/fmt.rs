//! `nudge fmt`: rewrite rule files in the canonical layout.

use std::path::PathBuf;

use nudge::syntax::format::format_source;

/// Format rule files in the canonical layout, keeping comments.
///
/// Rewrites each `.nudge` file of DIR in place. With `--check`, changes
/// nothing and exits 1 when a file would change (for CI).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory.
    #[arg(default_value = "rules")]
    dir: PathBuf,
    /// Only report files that are not formatted; exit 1 if any.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> u8 {
    let sources = match super::read_rule_sources(&args.dir) {
        Ok(sources) => sources,
        Err(code) => return code,
    };
    let mut unformatted = 0;
    let mut failed = false;
    for (id, file) in sources.files() {
        match format_source(id, &file.text) {
            Ok(formatted) if formatted == *file.text => {}
            Ok(formatted) => {
                unformatted += 1;
                let path = args.dir.join(&file.name);
                if args.check {
                    println!("would reformat {}", path.display());
                } else if let Err(e) = nudge::atomic_file::write(&path, &formatted) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    failed = true;
                } else {
                    println!("formatted {}", path.display());
                }
            }
            Err(diagnostics) => {
                super::print_diagnostics(&diagnostics, &sources);
                failed = true;
            }
        }
    }
    if failed || (args.check && unformatted > 0) {
        1
    } else {
        0
    }
}
