//! Rendering a test run: the human report (one line per case, then the
//! failures in detail) and JUnit XML for CI systems.

use std::fmt::Write;

use crate::decision::Decision;
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::SourceSet;

use crate::terminal::Style;

use super::{snapshots, CaseResult, FileResult, SnapshotStatus, TestRun};

/// A diagnostic on one line (plus its help): `file:line:column: message`.
pub fn plain_diagnostic(d: &Diagnostic, sources: &SourceSet) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = sources
        .get(d.span.file)
        .map(|f| {
            let l = f.location(d.span.start);
            format!("{}:{}:{}: ", f.name, l.line, l.column)
        })
        .unwrap_or_default();
    match &d.help {
        Some(h) => format!("{place}{severity}: {}\n  help: {h}", d.message),
        None => format!("{place}{severity}: {}", d.message),
    }
}

fn case_note(case: &CaseResult) -> &'static str {
    if case.invalid {
        return "  (invalid test case)";
    }
    match case.snapshot {
        SnapshotStatus::Written => "  (new snapshot written)",
        SnapshotStatus::Accepted => "  (snapshot updated)",
        SnapshotStatus::Missing => "  (no snapshot)",
        SnapshotStatus::Changed { .. } if case.failures.is_empty() => "  (snapshot differs)",
        _ => "",
    }
}

/// The human report: every file with a line per case, then every failure in
/// detail. The summary line (`N passed, M failed`) is not included; print
/// [`TestRun::summary`] last.
pub fn human(run: &TestRun, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for file in &run.files {
        let _ = writeln!(out, "{}", style.paint("1", &file.name));
        if file.broken {
            let _ = writeln!(
                out,
                "  {} the file has errors and none of its cases ran",
                style.mark(Some(false))
            );
        }
        for case in &file.cases {
            let _ = writeln!(
                out,
                "  {} {}{}",
                style.mark(Some(case.passed())),
                case.name,
                style.paint("2", case_note(case))
            );
        }
    }
    let failing: Vec<(&FileResult, Option<&CaseResult>)> = run
        .files
        .iter()
        .flat_map(|f| {
            let broken = f.broken.then_some((f, None));
            broken.into_iter().chain(
                f.cases
                    .iter()
                    .filter(|c| !c.passed())
                    .map(move |c| (f, Some(c))),
            )
        })
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nfailures:");
    }
    for (file, case) in failing {
        match case {
            None => {
                let _ = writeln!(
                    out,
                    "\n{} {}: the file could not be read",
                    style.mark(Some(false)),
                    style.paint("1", &file.name)
                );
                for e in &file.errors {
                    let _ = writeln!(out, "{}", indent(e, 4));
                }
            }
            Some(case) => {
                let _ = writeln!(
                    out,
                    "\n{} {} {}",
                    style.mark(Some(false)),
                    style.paint("1", &case.name),
                    style.paint("2", &format!("({}:{})", file.name, case.line))
                );
                let _ = write!(out, "{}", case_detail(file, case, &style));
            }
        }
    }
    for file in &run.files {
        if let Some(e) = &file.snapshot_error {
            let _ = writeln!(out, "\nerror: {e}");
        }
        if !file.obsolete.is_empty() {
            let n = file.obsolete.len();
            let _ = writeln!(
                out,
                "\nnote: {} holds {n} entr{} for cases that no longer exist ({}); `--accept` removes {}",
                file.snapshot_path.to_string_lossy().replace('\\', "/"),
                if n == 1 { "y" } else { "ies" },
                file.obsolete.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                if n == 1 { "it" } else { "them" },
            );
        }
    }
    out
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a case failed: each expectation with expected and got, the decision
/// and `because` of every rule that differs, and the snapshot diff.
fn case_detail(file: &FileResult, case: &CaseResult, style: &Style) -> String {
    let mut out = String::new();
    if case.invalid {
        let _ = writeln!(out, "    the case has errors and did not run:");
        for e in &case.errors {
            let _ = writeln!(out, "{}", indent(e, 6));
        }
        if case.errors.is_empty() {
            let _ = writeln!(out, "      see the errors above");
        }
        return out;
    }
    let mut shown: Vec<&str> = Vec::new();
    for f in &case.failures {
        let _ = writeln!(out, "    {}", style.paint("1", &f.check));
        let _ = writeln!(out, "      expected: {}", style.paint("32", &f.expected));
        let _ = writeln!(out, "      got:      {}", style.paint("31", &f.got));
        for rule in &f.rules {
            if shown.contains(&rule.as_str()) {
                continue;
            }
            shown.push(rule);
            if let Some(d) = case.decisions.iter().find(|d| d.rule == *rule) {
                let _ = write!(out, "{}", explain_decision(d, style));
            }
        }
    }
    match &case.snapshot {
        SnapshotStatus::Changed { stored, actual } => {
            let name = file.snapshot_path.to_string_lossy().replace('\\', "/");
            let _ = writeln!(
                out,
                "    {} (run with --accept to update it if the change is intended):",
                style.paint(
                    "1",
                    &format!("decisions differ from the snapshot in {name}")
                )
            );
            let _ = writeln!(
                out,
                "{}",
                indent(&snapshots::diff(stored, actual, &name, style.color), 6)
            );
        }
        SnapshotStatus::Missing => {
            let name = file.snapshot_path.to_string_lossy().replace('\\', "/");
            let _ = writeln!(
                out,
                "    {}\n      CI is set, so none is written: run `nudge test --accept` locally, review the snapshot and commit it",
                style.paint("1", &format!("no snapshot for this case in {name}"))
            );
        }
        _ => {}
    }
    out
}

/// One rule's decision with its `because`.
fn explain_decision(d: &Decision, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "      {} → {}: {}",
        style.paint("1", &d.rule),
        d.outcome,
        d.reason
    );
    for b in &d.because {
        let suffix = match (&b.error, b.value) {
            (Some(e), _) => format!("   failed: {e}"),
            (None, None) => String::from("   (not evaluated)"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "        {} {}{suffix}",
            style.mark(b.value),
            b.condition
        );
        for r in &b.read {
            let _ = writeln!(out, "            {}", style.paint("2", r));
        }
    }
    out
}

/// Text safe inside XML: `& < > " '` escaped, characters XML 1.0 forbids
/// (control characters, ANSI escapes) dropped.
pub fn xml_escape(text: &str) -> String {
    crate::markup::escape(text, crate::markup::Markup::Xml)
}

/// JUnit XML: a `<testsuite>` per test file, a `<testcase>` per case (and
/// one per broken file), a `<failure>` with the plain detail.
pub fn junit(run: &TestRun) -> String {
    let plain = Style { color: false };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests: usize = run
        .files
        .iter()
        .map(|f| f.cases.len() + usize::from(f.broken))
        .sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"nudge test\" tests=\"{tests}\" failures=\"{}\" errors=\"0\">",
        run.failed()
    );
    for file in &run.files {
        let count = file.cases.len() + usize::from(file.broken);
        let failures = file.cases.iter().filter(|c| !c.passed()).count() + usize::from(file.broken);
        let classname = xml_escape(&file.name);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{classname}\" tests=\"{count}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
        );
        if file.broken {
            let _ = writeln!(
                out,
                "    <testcase name=\"{classname}\" classname=\"{classname}\" file=\"{classname}\">\n      <failure message=\"the test file could not be read\">{}</failure>\n    </testcase>",
                xml_escape(&file.errors.join("\n"))
            );
        }
        for case in &file.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{classname}\" file=\"{classname}\" line=\"{}\"",
                xml_escape(&case.name),
                case.line
            );
            if case.passed() {
                let _ = writeln!(out, "/>");
                continue;
            }
            let message = if case.invalid {
                String::from("invalid test case")
            } else {
                let mut parts: Vec<String> = case
                    .failures
                    .iter()
                    .map(|f| format!("{}: expected {}, got {}", f.check, f.expected, f.got))
                    .collect();
                match case.snapshot {
                    SnapshotStatus::Changed { .. } => {
                        parts.push(String::from("decisions differ from the snapshot"))
                    }
                    SnapshotStatus::Missing => {
                        parts.push(String::from("no snapshot (CI is set, none written)"))
                    }
                    _ => {}
                }
                parts.join("; ")
            };
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&message),
                xml_escape(&case_detail(file, case, &plain))
            );
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'>\x1b[31m"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;[31m"
        );
    }
}
