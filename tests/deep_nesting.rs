//! Deep and long expressions: the one depth limit (`MAX_DEPTH`) refuses
//! what would overflow a stack, and everything it lets through goes through
//! every pass (check, evaluate with explain, fmt, canonical text, gen) on a
//! 2 MiB worker-sized stack. Also the fuzzers' reproducers in
//! `fuzz/regressions/check/`, each an ordinary test here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use miette::{GraphicalReportHandler, GraphicalTheme};
use nudge::ruleset::{check_sources, hash_sources, CheckResult};
use nudge::syntax::format::format_source;
use nudge::syntax::{parse_file, FileId, SourceFile, SourceSet, MAX_DEPTH};

/// tokio's and rayon's worker threads get 2 MiB.
const WORKER_STACK: usize = 2 << 20;

fn on_worker_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, f)
            .unwrap()
            .join()
            .unwrap()
    })
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn check(text: &str) -> CheckResult {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("deep.nudge", text));
    check_sources(sources)
}

fn render(result: &CheckResult) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let mut out = String::new();
    for d in &result.diagnostics {
        handler
            .render_report(&mut out, &d.to_report(&result.sources))
            .unwrap();
    }
    out
}

/// Every pass nudge runs on accepted rules: check, render, a generated
/// customer evaluated with and without explain, the explain view, fmt (and
/// its output parsed again). Returns the rendered diagnostics.
fn every_pass(text: &str) -> (bool, String) {
    let result = check(text);
    let rendered = render(&result);
    let Some(program) = result.program.as_ref().filter(|_| !result.has_errors()) else {
        return (false, rendered);
    };
    let seed = nudge::decision::IdSeed::new(&hash_sources(&result.sources));
    let micros = now().timestamp_micros();
    let customer = nudge::gen::customer(program, 7, 0, micros);
    let customer = nudge::snapshot::from_json_value(program, &customer).unwrap();
    for explain in [false, true] {
        let evaluation = nudge::arbitrate::evaluate(program, &seed, &customer, micros, explain);
        serde_json::to_string(&evaluation.decisions).unwrap();
        nudge::decision::explain::render(
            program,
            &evaluation,
            "2026-11-23T09:00:00Z",
            seed.hash(),
            false,
        );
    }
    let formatted = format_source(FileId(0), text).unwrap();
    let (_, diagnostics) = parse_file(FileId(0), &formatted);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{formatted}");
    (true, rendered)
}

fn ruleset(when: &str) -> String {
    format!(
        "schema {{ n: int\n m: int? }}\npolicy {{\n  channels email\n  consent email when true\n}}\nrule r {{\n  when {when}\n  send email \"m\"\n  cooldown 1 day\n}}\n"
    )
}

/// The shapes that nest: each `level(n)` is an expression about `n` deep.
/// A named way to write an expression `n` levels deep.
type Shape = (&'static str, fn(usize) -> String);

fn shapes() -> Vec<Shape> {
    vec![
        ("parentheses", |n| {
            format!("{}n > 1{}", "(".repeat(n), ")".repeat(n))
        }),
        ("not", |n| format!("{}n > 1", "not ".repeat(n))),
        ("not (", |n| {
            format!("{}n > 1{}", "not (".repeat(n / 2), ")".repeat(n / 2))
        }),
        ("unary minus", |n| format!("n > {}1", "- ".repeat(n))),
        ("or chain", |n| vec!["n > 1"; n].join(" or ")),
        ("and chain", |n| vec!["n > 1"; n].join(" and ")),
        ("+ chain", |n| format!("{} > 1", vec!["n"; n].join(" + "))),
        ("* chain", |n| format!("{} > 1", vec!["n"; n].join(" * "))),
        ("?? chain", |n| {
            format!("{} ?? 1 > 1", vec!["m"; n - 1].join(" ?? "))
        }),
        ("call", |n| {
            format!("{}n{} > 1", "abs(".repeat(n), ")".repeat(n))
        }),
    ]
}

#[test]
fn the_deepest_accepted_expression_of_every_shape_runs_every_pass_on_a_worker_stack() {
    for (name, level) in shapes() {
        // The deepest accepted, found from above the limit downwards.
        let mut accepted = None;
        for n in (1..=MAX_DEPTH + 2).rev() {
            let text = ruleset(&level(n));
            let (ok, rendered) = on_worker_stack(|| every_pass(&text));
            if ok {
                accepted = Some(n);
                break;
            }
            assert!(
                rendered.contains(&format!("nested deeper than {MAX_DEPTH} levels")),
                "{name} at {n}: {rendered}"
            );
        }
        let n = accepted.unwrap_or_else(|| panic!("{name}: nothing accepted"));
        assert!(n >= MAX_DEPTH / 2 - 2, "{name}: only {n} deep is accepted");
    }
}

#[test]
fn far_deeper_expressions_are_refused_with_the_limit_on_a_worker_stack() {
    for (name, level) in shapes() {
        for n in [MAX_DEPTH + 1, 1_000, 20_000] {
            let text = ruleset(&level(n));
            let (ok, rendered) = on_worker_stack(|| every_pass(&text));
            assert!(!ok, "{name} at {n} accepted");
            assert!(
                rendered.contains(&format!("expression nested deeper than {MAX_DEPTH} levels")),
                "{name} at {n}: {rendered}"
            );
            // The diagnostic points into the rule's `when`.
            assert!(
                rendered.contains("deep.nudge:8:"),
                "{name} at {n}: {rendered}"
            );
        }
    }
}

#[test]
fn every_fuzz_reproducer_for_check_gets_a_clear_error_on_a_worker_stack() {
    let mut files: Vec<_> = std::fs::read_dir("fuzz/regressions/check")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let (ok, rendered) = on_worker_stack(|| every_pass(&text));
        assert!(!ok, "{name} accepted");
        let expected = if name.starts_with("panic_render_column") {
            "unknown name"
        } else {
            "nested deeper than"
        };
        assert!(rendered.contains(expected), "{name}: {rendered}");
        assert!(rendered.contains("deep.nudge:"), "{name}: {rendered}");
    }
}

#[test]
fn a_diagnostic_past_column_65535_is_rendered_without_its_snippet() {
    let long = format!("n > 1{}and plann == 1", " ".repeat(70_000));
    let result = check(&ruleset(&long));
    let rendered = render(&result);
    let at = rendered.find("deep.nudge:8:").unwrap() + "deep.nudge:8:".len();
    let column: String = rendered[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(column.parse::<usize>().unwrap() > 65_535, "{rendered}");
    assert!(rendered.contains("unknown name"), "{rendered}");
    assert!(rendered.contains("help:"), "{rendered}");
    assert!(
        rendered.len() < 2_000,
        "the 70,000-character line is not shown"
    );
}
