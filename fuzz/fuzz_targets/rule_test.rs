//! A rule test file (`rules/tests/*.yaml`) → the test reader → every case
//! that reads evaluated with explain and compared with its expectations,
//! as `nudge test` does; the same text also read as a stored snapshot file
//! (`tests/snapshots/*.snap`). Against the bundled ruleset (`rules/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nudge::syntax::{SourceFile, SourceSet};
use nudge::testing::{expect, file, report, snapshots};
use nudge_fuzz::{bundled, on_worker_stack, render_diagnostics};

fuzz_target!(|data: &[u8]| on_worker_stack(|| run(data)));

fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ruleset = bundled();
    let program = ruleset.program();
    let mut sources = SourceSet::new();
    let id = sources.add(SourceFile::new("rules/tests/fuzz.yaml", text));
    let (parsed, diagnostics) = file::parse(program, id, text);
    for d in &diagnostics {
        let _ = report::plain_diagnostic(d, &sources);
    }
    render_diagnostics(&diagnostics, &sources);
    let mut actual = Vec::new();
    for case in &parsed.cases {
        let Some(run) = &case.run else { continue };
        let evaluation = ruleset.evaluate_with_explain(&run.customer, run.now);
        let _ = expect::compare(program, &run.expect, &evaluation.decisions);
        actual.push((
            case.name.clone(),
            snapshots::case_value(&evaluation.decisions),
        ));
    }
    let _ = snapshots::render_file("rules/tests/fuzz.yaml", &actual);
    let _ = snapshots::read_file(text);
}
