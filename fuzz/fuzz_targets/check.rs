//! Rule source → parse → check, with every diagnostic rendered; on a file
//! that parses, the `nudge fmt` round trip (formatting succeeds, is
//! idempotent, keeps the syntax tree and the comments); on a ruleset that
//! checks, one generated customer evaluated (so deep expressions reach the
//! evaluator and the explain view too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudge::diagnostic::Diagnostic;
use nudge::ruleset::{check_sources, hash_sources};
use nudge::syntax::ast::FileAst;
use nudge::syntax::format::format_source;
use nudge::syntax::{parse_file, FileId, SourceFile, SourceSet};
use nudge_fuzz::{
    comments, evaluate, now, on_big_stack, on_worker_stack, render_diagnostics, strip_spans,
};

fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// A file that parses, its formatted text, and that text parsed again.
struct RoundTrip {
    before: FileAst,
    formatted: String,
    after: FileAst,
}

fuzz_target!(|data: &[u8]| {
    // Rule files are read as UTF-8 text; other bytes are refused before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // nudge's own work on a worker's stack; the harness's `{:?}` of the
    // trees (recursive) on a big one.
    if let Some(trip) = on_worker_stack(|| run(text)) {
        on_big_stack(|| compare(text, trip));
    }
});

fn run(text: &str) -> Option<RoundTrip> {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("fuzz.nudge", text));
    let result = check_sources(sources);
    render_diagnostics(&result.diagnostics, &result.sources);
    if let (false, Some(program)) = (result.has_errors(), &result.program) {
        let hash = hash_sources(&result.sources);
        let customer = nudge::gen::customer(program, 7, 0, now().timestamp_micros());
        match nudge::snapshot::from_json_value(program, &customer) {
            Ok(customer) => evaluate(program, &hash, &customer, now()),
            Err(e) => panic!("a generated customer is rejected: {e}\n{customer}"),
        }
    }

    let (before, diagnostics) = parse_file(FileId(0), text);
    if has_errors(&diagnostics) {
        return None;
    }
    let formatted = match format_source(FileId(0), text) {
        Ok(formatted) => formatted,
        Err(d) => panic!("fmt refuses a file that parses: {d:?}"),
    };
    let (after, diagnostics) = parse_file(FileId(0), &formatted);
    assert!(
        !has_errors(&diagnostics),
        "the formatted file does not parse: {diagnostics:?}\n--- formatted\n{formatted}"
    );
    let twice = match format_source(FileId(0), &formatted) {
        Ok(twice) => twice,
        Err(d) => panic!("fmt refuses its own output: {d:?}"),
    };
    assert_eq!(formatted, twice, "fmt is not idempotent");
    Some(RoundTrip {
        before,
        formatted,
        after,
    })
}

fn compare(text: &str, trip: RoundTrip) {
    assert_eq!(
        strip_spans(&format!("{:?}", trip.before)),
        strip_spans(&format!("{:?}", trip.after)),
        "fmt changed the syntax tree\n--- formatted\n{}",
        trip.formatted
    );
    assert_eq!(
        comments(text),
        comments(&trip.formatted),
        "fmt changed the comments"
    );
    // Dropping a deep tree recurses: nudge drops its trees on its own threads.
    on_worker_stack(|| drop(trip));
}
