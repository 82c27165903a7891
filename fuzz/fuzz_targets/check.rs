//! Rule source → parse → check, with every diagnostic rendered; on a file
//! that parses, the `nudge fmt` round trip (formatting succeeds, is
//! idempotent, keeps the syntax tree and the comments); on a ruleset that
//! checks, one generated customer evaluated (so deep expressions reach the
//! evaluator and the explain view too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudge::diagnostic::Diagnostic;
use nudge::ruleset::{check_sources, hash_sources};
use nudge::syntax::format::format_source;
use nudge::syntax::{parse_file, FileId, SourceFile, SourceSet};
use nudge_fuzz::{comments, evaluate, now, render_diagnostics, strip_spans};

fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

fuzz_target!(|data: &[u8]| {
    // Rule files are read as UTF-8 text; other bytes are refused before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("fuzz.nudge", text));
    let result = check_sources(sources);
    render_diagnostics(&result.diagnostics, &result.sources);

    let (ast, diagnostics) = parse_file(FileId(0), text);
    if has_errors(&diagnostics) {
        return;
    }
    let once = match format_source(FileId(0), text) {
        Ok(once) => once,
        Err(d) => panic!("fmt refuses a file that parses: {d:?}"),
    };
    let (again, diagnostics) = parse_file(FileId(0), &once);
    assert!(
        !has_errors(&diagnostics),
        "the formatted file does not parse: {diagnostics:?}\n--- formatted\n{once}"
    );
    assert_eq!(
        strip_spans(&format!("{ast:?}")),
        strip_spans(&format!("{again:?}")),
        "fmt changed the syntax tree\n--- formatted\n{once}"
    );
    assert_eq!(comments(text), comments(&once), "fmt changed the comments");
    let twice = match format_source(FileId(0), &once) {
        Ok(twice) => twice,
        Err(d) => panic!("fmt refuses its own output: {d:?}"),
    };
    assert_eq!(once, twice, "fmt is not idempotent");

    if result.has_errors() {
        return;
    }
    let Some(program) = &result.program else {
        return;
    };
    let hash = hash_sources(&result.sources);
    let customer = nudge::gen::customer(program, 7, 0, now().timestamp_micros());
    match nudge::snapshot::from_json_value(program, &customer) {
        Ok(customer) => evaluate(program, &hash, &customer, now()),
        Err(e) => panic!("a generated customer is rejected: {e}\n{customer}"),
    }
});
