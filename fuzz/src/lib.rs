//! What the fuzz targets share: the bundled ruleset (`rules/`), the fixed
//! evaluation instant, and rendering diagnostics the way the CLI does (the
//! graphical miette handler), so a panic while rendering is found too; and
//! the `nudge fmt` comparisons of `tests/fmt_roundtrip.rs`.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use nudge::diagnostic::Diagnostic;
use nudge::syntax::SourceSet;
use nudge::Ruleset;

/// The stack of the threads nudge really runs on: tokio's workers and
/// blocking threads (the server, its hot reload) and rayon's (`nudge eval`)
/// get 2 MiB, not the 8 MiB of a main thread.
pub const WORKER_STACK: usize = 2 << 20;

/// Runs `f` on a thread with a worker's stack, so an input that only works
/// on a big main-thread stack is found (a stack overflow aborts the fuzzer).
/// A panic in `f` is re-raised here.
pub fn on_worker_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    on_stack(WORKER_STACK, f)
}

/// Runs the harness's own recursive work (`{:?}` of a deep syntax tree) on a
/// stack big enough that only nudge's code can overflow.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    on_stack(256 << 20, f)
}

fn on_stack<T: Send>(size: usize, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(size)
            .spawn_scoped(scope, f)
            .unwrap_or_else(|e| panic!("cannot start a worker thread: {e}"));
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The instant every target evaluates at (the README's `--now`).
pub const NOW: &str = "2026-11-23T09:00:00Z";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The repository's example ruleset, loaded once per process.
pub fn bundled() -> &'static Ruleset {
    static RULESET: OnceLock<Ruleset> = OnceLock::new();
    RULESET.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules");
        match Ruleset::load(dir) {
            Ok(ruleset) => ruleset,
            Err(e) => panic!("the bundled rules in {dir} do not load: {e}"),
        }
    })
}

/// Renders diagnostics as `nudge check` prints them (graphical, no colour)
/// and as JSON (`--format json`, the server's reload errors).
pub fn render_diagnostics(diagnostics: &[Diagnostic], sources: &SourceSet) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for d in diagnostics {
        let report = d.to_report(sources);
        let mut out = String::new();
        let _ = handler.render_report(&mut out, &report);
        let _ = serde_json::to_string(&d.to_json(sources));
    }
}

// The syntax-tree and comment comparisons of `tests/fmt_roundtrip.rs`.
#[path = "../../tests/support/fmt.rs"]
mod fmt_support;
pub use fmt_support::{comments, strip_spans};

/// Evaluates one customer as `nudge eval` and `nudge explain` do: with and
/// without explain, the decisions as JSON and the explain view. Evaluation
/// is a pure function, and explain only adds `no_match` decisions: the
/// other decisions must be the same both ways.
pub fn evaluate(
    program: &nudge::program::Program,
    hash: &str,
    customer: &nudge::Customer,
    now: DateTime<Utc>,
) {
    let micros = now.timestamp_micros();
    let seed = nudge::decision::IdSeed::new(hash);
    let plain = nudge::arbitrate::evaluate(program, &seed, customer, micros, false);
    let explained = nudge::arbitrate::evaluate(program, &seed, customer, micros, true);
    // The batch writer's JSON is serde_json's, byte for byte.
    for d in plain.decisions.iter().chain(&explained.decisions) {
        let mut ours = Vec::new();
        nudge::decision::json::write_decision(&mut ours, d);
        assert_eq!(ours, serde_json::to_vec(d).unwrap_or_default(), "record JSON differs");
    }
    let _ = nudge::decision::explain::render(program, &explained, NOW, hash, false);
    let key = |d: &nudge::Decision| (d.rule.clone(), d.outcome, d.decision_id.clone());
    let a: Vec<_> = plain.decisions.iter().map(key).collect();
    let b: Vec<_> = explained
        .decisions
        .iter()
        .filter(|d| d.outcome != nudge::Outcome::NoMatch)
        .map(key)
        .collect();
    assert_eq!(a, b, "explain changed the decisions");
}
