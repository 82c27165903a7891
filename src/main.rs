//! The `nudge` command-line tool: a thin shell over the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
