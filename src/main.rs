//! The `nudge` command-line tool: a thin shell over the library.

mod cli;

/// Batch runs allocate many small strings per decision record; mimalloc
/// handles that pattern markedly better than the system allocator
/// (measured in docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
