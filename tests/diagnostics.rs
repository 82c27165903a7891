//! Renders the diagnostics of every mistake in `tests/diagnostics/cases/`
//! (each loaded with `base.nudge` unless it starts with `# standalone`) and
//! pins them with insta snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme};
use nudge::ruleset::check_sources;
use nudge::syntax::{SourceFile, SourceSet};

fn render(case: &Path) -> (String, usize, usize) {
    let text = std::fs::read_to_string(case).unwrap();
    let mut sources = SourceSet::new();
    if !text.starts_with("# standalone") {
        let base = std::fs::read_to_string("tests/diagnostics/base.nudge").unwrap();
        sources.add(SourceFile::new("base.nudge", base));
    }
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    sources.add(SourceFile::new(name, text));
    let result = check_sources(sources);
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    for d in &result.diagnostics {
        let report = d.to_report(&result.sources);
        handler.render_report(&mut out, &report).unwrap();
        out.push('\n');
    }
    let errors = result.diagnostics.iter().filter(|d| d.is_error()).count();
    (out, errors, result.diagnostics.len())
}

#[test]
fn every_mistake_gets_a_located_diagnostic_with_a_fix() {
    let mut cases: Vec<_> = std::fs::read_dir("tests/diagnostics/cases")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nudge"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "at least 30 distinct mistakes");
    for case in cases {
        let (rendered, _errors, total) = render(&case);
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        assert!(total >= 1, "{name}: no diagnostic at all");
        // file:line:column in every message, and no raw parser dump.
        let located = rendered.matches(".nudge:").count();
        assert!(
            located >= total,
            "{name}: a diagnostic without file:line:column\n{rendered}"
        );
        assert!(
            !rendered.contains("rule_") && !rendered.contains("expected ident"),
            "{name}: parser jargon\n{rendered}"
        );
        assert!(
            rendered.contains("help:"),
            "{name}: no help line\n{rendered}"
        );
        insta::with_settings!({
            snapshot_path => "diagnostics/snapshots",
            prepend_module_to_snapshot => false,
            description => std::fs::read_to_string(&case).unwrap(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}
