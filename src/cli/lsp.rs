//! `nudge lsp`: the language server for editors, over stdio.

/// Run the language server for editors (LSP over stdin and stdout).
///
/// Editors start it themselves: it reports `nudge check`'s diagnostics as
/// you type and answers hover, completion, go to definition, references,
/// rename, formatting, quick fixes and the outline, for the whole ruleset
/// directory of each open file. See docs/editors.md for VS Code, Neovim and
/// Helix.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Talk over stdin and stdout: the default and only transport, accepted
    /// because some editors pass it.
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: Args) -> u8 {
    match nudge::lsp::run_stdio() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
