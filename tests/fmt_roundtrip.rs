//! `nudge fmt` round trips: formatting is idempotent, keeps the meaning
//! (the syntax tree, spans aside) and keeps every comment, on the bundled
//! rule files and on mutated copies of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use nudge::syntax::format::format_source;
use nudge::syntax::{parse_file, FileId};
use proptest::prelude::*;

#[path = "support/fmt.rs"]
mod fmt_support;
use fmt_support::{comments, strip_spans};

/// The syntax tree of a file that must parse, spans removed.
fn tree(text: &str) -> String {
    let (ast, diagnostics) = parse_file(FileId(0), text);
    assert!(
        !diagnostics.iter().any(|d| d.is_error()),
        "does not parse: {diagnostics:?}\n{text}"
    );
    strip_spans(&format!("{ast:?}"))
}

fn format(text: &str) -> String {
    format_source(FileId(0), text).unwrap_or_else(|d| panic!("format failed: {d:?}\n{text}"))
}

/// The three properties, for a source that parses.
fn check_round_trip(name: &str, source: &str) -> Result<(), String> {
    let once = format(source);
    let twice = format(&once);
    if twice != once {
        return Err(format!(
            "{name}: formatting is not idempotent\n--- first\n{once}\n--- second\n{twice}"
        ));
    }
    if tree(&once) != tree(source) {
        return Err(format!("{name}: formatting changed the syntax tree\n--- source\n{source}\n--- formatted\n{once}"));
    }
    if comments(&once) != comments(source) {
        return Err(format!(
            "{name}: comments differ\nsource: {:?}\nformatted: {:?}\n--- source\n{source}\n--- formatted\n{once}",
            comments(source),
            comments(&once)
        ));
    }
    Ok(())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nudge_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            nudge_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nudge") {
            out.push(path);
        }
    }
}

/// The example ruleset, `rules/*.nudge`, as (name, text).
fn example_rules() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    nudge_files(&root().join("rules"), &mut paths);
    paths
        .into_iter()
        .filter(|p| p.parent() == Some(&root().join("rules")))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn strip_spans_removes_every_span() {
    let debug = "Ident { name: \"a\", span: Span { file: FileId(0), start: 3, end: 14 } }, \
                 count_span: Span { file: FileId(0), start: 1, end: 2 }, x";
    assert_eq!(
        strip_spans(debug),
        "Ident { name: \"a\", span:  }, count_span: , x"
    );
}

#[test]
fn comment_scanner_skips_strings() {
    assert_eq!(
        comments("a \"#x\" # one  \n# two\n\"\\\"#\" b"),
        vec!["# one".to_string(), "# two".to_string()]
    );
}

#[test]
fn every_parsing_nudge_file_round_trips() {
    let mut paths = Vec::new();
    nudge_files(&root().join("rules"), &mut paths);
    nudge_files(&root().join("tests"), &mut paths);
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let (_, diagnostics) = parse_file(FileId(0), &text);
        if diagnostics.iter().any(|d| d.is_error()) {
            continue;
        }
        checked += 1;
        if let Err(e) = check_round_trip(&path.display().to_string(), &text) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked >= example_rules().len(),
        "only {checked} files checked"
    );
}

#[test]
fn example_rules_are_canonical() {
    let rules = example_rules();
    assert!(!rules.is_empty(), "no rules/*.nudge files");
    for (name, text) in rules {
        let formatted = format(&text);
        assert!(
            formatted == text,
            "{name} is not in canonical format:\n{formatted}"
        );
    }
}

// ------------------------------------------------------------- mutations --

/// One random change to a canonical rule file that keeps its meaning.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace one whitespace run between tokens with other whitespace
    /// (0: a space, 1: a newline, 2: two spaces).
    Space { at: usize, ws: Vec<u8> },
    /// Insert a comment line, indented, before a line.
    CommentLine { at: usize, indent: usize },
    /// Add a comment at the end of a line.
    Trailing { at: usize },
    /// Join a broken `when` onto one line.
    Collapse { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), prop::collection::vec(0u8..3, 1..5)).prop_map(|(at, ws)| Edit::Space { at, ws }),
        2 => (any::<usize>(), 0usize..5).prop_map(|(at, indent)| Edit::CommentLine { at, indent }),
        2 => any::<usize>().prop_map(|at| Edit::Trailing { at }),
        1 => any::<usize>().prop_map(|at| Edit::Collapse { at }),
    ]
}

/// Joins the chosen `when` clauses (`  when` followed by `   and` lines).
fn collapse_whens(text: &str, picks: &[usize]) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let groups: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].starts_with("  when ")
                && lines.get(i + 1).is_some_and(|l| l.starts_with("   and "))
        })
        .collect();
    if groups.is_empty() {
        return text.to_string();
    }
    let chosen: Vec<usize> = picks.iter().map(|p| groups[p % groups.len()]).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut line = lines[i].to_string();
        i += 1;
        if chosen.contains(&(i - 1)) {
            while i < lines.len() && lines[i].starts_with("   and ") {
                line.push(' ');
                line.push_str(lines[i].trim_start());
                i += 1;
            }
        }
        out.push(line);
    }
    out.join("\n")
}

/// Inserts comment lines and trailing comments.
fn add_comments(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let count = lines.len();
    let mut before: Vec<Vec<String>> = vec![Vec::new(); count];
    for (n, e) in edits.iter().enumerate() {
        match e {
            Edit::CommentLine { at, indent } => {
                before[at % count].push(format!("{}# inserted {n}", " ".repeat(*indent)));
            }
            Edit::Trailing { at } => {
                let line = &mut lines[at % count];
                if !line.trim().is_empty() && !line.contains('#') {
                    line.push_str(&format!("  # trailing {n}"));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (line, comments) in lines.into_iter().zip(before) {
        out.extend(comments);
        out.push(line);
    }
    out.join("\n")
}

/// Whitespace runs between tokens (outside strings and comments), with
/// whether the run ends a comment line.
fn whitespace_runs(text: &str) -> Vec<(usize, usize, bool)> {
    let mut runs = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut run_start: Option<usize> = None;
    let mut after_comment = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                after_comment = true;
                run_start = Some(i);
            }
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == ' ' || c == '\n' {
            run_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = run_start.take() {
            if start > 0 {
                runs.push((start, i, after_comment));
            }
        }
        after_comment = false;
        match c {
            '#' => in_comment = true,
            '"' => in_string = true,
            _ => {}
        }
    }
    runs
}

/// Replaces the chosen whitespace runs, keeping what the grammar needs: a
/// token at the start of a line stays there (item keywords must), and the
/// space inside a duration (`7 days`) stays on one line.
fn respace(text: &str, edits: &[Edit]) -> String {
    let runs = whitespace_runs(text);
    if runs.is_empty() {
        return text.to_string();
    }
    let mut replacements: Vec<(usize, usize, String)> = Vec::new();
    for e in edits {
        let Edit::Space { at, ws } = e else { continue };
        let (start, end, after_comment) = runs[at % runs.len()];
        if replacements.iter().any(|r| r.0 == start) {
            continue;
        }
        let original = &text[start..end];
        let after_digit = text[..start].ends_with(|c: char| c.is_ascii_digit());
        let mut new: String = ws
            .iter()
            .map(|w| match w {
                0 => " ",
                1 if !original.contains('\n') && after_digit => " ",
                1 => "\n",
                _ => "  ",
            })
            .collect();
        if after_comment && !new.starts_with('\n') {
            new.insert(0, '\n');
        }
        if original.ends_with('\n') {
            new.push('\n');
        } else if new.ends_with('\n') {
            new.push(' ');
        }
        replacements.push((start, end, new));
    }
    replacements.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut out = text.to_string();
    for (start, end, new) in replacements {
        out.replace_range(start..end, &new);
    }
    out
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let picks: Vec<usize> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::Collapse { at } => Some(*at),
            _ => None,
        })
        .collect();
    let text = collapse_whens(text, &picks);
    let text = add_comments(&text, edits);
    respace(&text, edits)
}

#[test]
fn mutations_keep_the_meaning() {
    // The mutator itself must not change what the files say.
    let edits: Vec<Edit> = (0..40)
        .map(|i| match i % 4 {
            0 => Edit::Space {
                at: i * 7,
                ws: vec![1, 0, 2],
            },
            1 => Edit::CommentLine {
                at: i * 3,
                indent: i % 5,
            },
            2 => Edit::Trailing { at: i * 5 },
            _ => Edit::Collapse { at: i },
        })
        .collect();
    for (name, text) in example_rules() {
        let mutated = mutate(&text, &edits);
        assert_ne!(mutated, text, "{name}: nothing mutated");
        assert_eq!(tree(&mutated), tree(&text), "{name}:\n{mutated}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_rule_files_round_trip(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 0..24),
    ) {
        let rules = example_rules();
        let (name, text) = &rules[file.index(rules.len())];
        let mutated = mutate(text, &edits);
        prop_assert_eq!(tree(&mutated), tree(text), "the mutation changed {}:\n{}", name, mutated);
        if let Err(e) = check_round_trip(name, &mutated) {
            return Err(TestCaseError::fail(e));
        }
        // A collapsed `when` is broken again: the canonical file comes back.
        if edits.iter().all(|e| matches!(e, Edit::Collapse { .. })) {
            prop_assert_eq!(format(&mutated), text.clone(), "{} did not come back canonical", name);
        }
    }
}
