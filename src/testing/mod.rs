//! `nudge test`: YAML cases, snapshot files, coverage (docs/testing.md).
//!
//! A ruleset's `tests/*.yaml` files hold cases: a customer (merged over the
//! file's `defaults`), an instant and the expected outcomes. [`run`] reads
//! them, evaluates every case with explain, compares the decisions with the
//! expectations and with the case's stored snapshot
//! (`tests/snapshots/<file stem>.snap`), and counts coverage. The YAML shape
//! is documented in `docs/testing.md`.
//!
//! Mistakes in a test file are [`Diagnostic`]s pointing into
//! [`TestRun::sources`]: a broken file counts as one failure, a broken case as
//! a failed case, and the rest still runs.

pub mod coverage;
pub mod expect;
pub mod file;
pub mod locate;
pub mod report;
pub mod snapshots;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::decision::Decision;
use crate::diagnostic::Diagnostic;
use crate::syntax::{SourceFile, SourceSet};
use crate::Ruleset;

pub use coverage::Coverage;
pub use expect::Failure;
pub use snapshots::{SnapshotMode, SnapshotStatus};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Run only cases whose name (or file name) contains this text, ignoring case.
    pub filter: Option<String>,
    /// Whether decision snapshots are checked, written or updated.
    pub snapshots: SnapshotMode,
}

/// Why the tests could not run at all.
#[derive(Debug)]
pub enum TestError {
    /// A test file or directory cannot be read.
    Io {
        /// The path that failed.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// `DIR/tests/` holds no `.yaml` file.
    NoTests {
        /// The directory searched.
        path: PathBuf,
    },
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            TestError::NoTests { path } => write!(
                f,
                "no test files: {} holds no `.yaml` files (see docs/testing.md for the format)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for TestError {}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// 1-based line of the case in its file.
    pub line: usize,
    /// The case has errors (see the diagnostics) and did not run.
    pub invalid: bool,
    /// Those errors, one line each (`file:line:column: message`).
    pub errors: Vec<String>,
    /// The expectations that did not hold.
    pub failures: Vec<Failure>,
    /// How the case's decisions compare with its stored snapshot.
    pub snapshot: SnapshotStatus,
    /// Every rule's decision (with `no_match`), in arbitration order.
    pub decisions: Vec<Decision>,
}

impl CaseResult {
    /// Whether the case ran, met every expectation and matched its snapshot.
    pub fn passed(&self) -> bool {
        !self.invalid && self.failures.is_empty() && !self.snapshot.is_failure()
    }
}

/// One test file's results.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as shown: `rules/tests/onboarding.yaml`.
    pub name: String,
    /// Where the file's decision snapshots are stored.
    pub snapshot_path: PathBuf,
    /// The file could not be read as a test file (see the diagnostics): it
    /// counts as one failure.
    pub broken: bool,
    /// The file's errors, one line each (`file:line:column: message`).
    pub errors: Vec<String>,
    /// Its cases, in file order.
    pub cases: Vec<CaseResult>,
    /// The snapshot file was written or updated.
    pub snapshot_written: bool,
    /// Writing the snapshot file failed: a failure.
    pub snapshot_error: Option<String>,
    /// Stored snapshot entries whose case no longer exists (removed by `--accept`).
    pub obsolete: Vec<String>,
}

/// Everything a test run found.
#[derive(Debug, Clone)]
pub struct TestRun {
    /// The test files, for rendering the diagnostics.
    pub sources: SourceSet,
    /// Mistakes in the test files.
    pub diagnostics: Vec<Diagnostic>,
    /// The test files, in path order.
    pub files: Vec<FileResult>,
    /// Over the cases that ran.
    pub coverage: Coverage,
}

impl TestRun {
    /// Cases that passed, over all files.
    pub fn passed(&self) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.cases)
            .filter(|c| c.passed())
            .count()
    }

    /// Failed cases, plus one per broken file.
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.cases.iter().filter(|c| !c.passed()).count() + usize::from(f.broken))
            .sum()
    }

    /// No failure, no error in a test file, every snapshot file written.
    pub fn success(&self) -> bool {
        self.failed() == 0
            && !self.diagnostics.iter().any(Diagnostic::is_error)
            && self.files.iter().all(|f| f.snapshot_error.is_none())
    }

    /// `N passed, M failed`: the last line of the human output, read by CI.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failed())
    }

    /// Cases that ran or were meant to run (after the filter).
    pub fn total(&self) -> usize {
        self.files.iter().map(|f| f.cases.len()).sum()
    }
}

/// The test files of a ruleset: `DIR/tests/*.yaml` (and `.yml`), by name.
pub fn test_files(dir: &Path) -> Result<Vec<PathBuf>, TestError> {
    let tests = dir.join("tests");
    let io = |error| TestError::Io {
        path: tests.clone(),
        error,
    };
    let entries = match std::fs::read_dir(&tests) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TestError::NoTests { path: tests })
        }
        Err(e) => return Err(io(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(TestError::NoTests { path: tests });
    }
    Ok(out)
}

fn matches_filter(filter: Option<&str>, file: &str, case: &str) -> bool {
    match filter {
        None => true,
        Some(f) => {
            let f = f.to_lowercase();
            case.to_lowercase().contains(&f) || file.to_lowercase().contains(&f)
        }
    }
}

/// Reads and runs every test file of the ruleset in `dir`.
pub fn run(ruleset: &Ruleset, dir: &Path, options: &Options) -> Result<TestRun, TestError> {
    let program = ruleset.program();
    let mut sources = SourceSet::new();
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    let mut coverage = Coverage::new(program);
    for path in test_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|error| TestError::Io {
            path: path.clone(),
            error,
        })?;
        let name = path.to_string_lossy().replace('\\', "/");
        let id = sources.add(SourceFile::new(name.clone(), text.clone()));
        let (parsed, diags) = file::parse(program, id, &text);
        let file_errors: Vec<String> = diags
            .iter()
            .map(|d| report::plain_diagnostic(d, &sources))
            .collect();
        // Errors of the file as a whole (no `now`, …), shown with its cases that could not run.
        let file_level: Vec<String> = diags
            .iter()
            .filter(|d| !parsed.cases.iter().any(|c| c.errors.contains(d)))
            .map(|d| report::plain_diagnostic(d, &sources))
            .collect();
        // Errors of cases left out by the filter are not shown, nor those of
        // a (readable) file none of whose cases match.
        let any_case_matches = parsed
            .cases
            .iter()
            .any(|c| matches_filter(options.filter.as_deref(), &name, &c.name));
        if parsed.broken || any_case_matches {
            diagnostics.extend(diags.into_iter().filter(|d| {
                parsed
                    .cases
                    .iter()
                    .find(|c| c.errors.contains(d))
                    .is_none_or(|c| matches_filter(options.filter.as_deref(), &name, &c.name))
            }));
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let snapshot_path = dir
            .join("tests")
            .join("snapshots")
            .join(format!("{stem}.snap"));
        let mut result = FileResult {
            name: name.clone(),
            snapshot_path,
            broken: parsed.broken,
            errors: if parsed.broken {
                file_errors
            } else {
                Vec::new()
            },
            cases: Vec::new(),
            snapshot_written: false,
            snapshot_error: None,
            obsolete: Vec::new(),
        };
        if parsed.broken {
            files.push(result);
            continue;
        }
        let mut actual = Vec::new();
        for case in &parsed.cases {
            if !matches_filter(options.filter.as_deref(), &name, &case.name) {
                continue;
            }
            let Some(run) = &case.run else {
                result.cases.push(CaseResult {
                    name: case.name.clone(),
                    line: case.line,
                    invalid: true,
                    errors: if case.errors.is_empty() {
                        file_level.clone()
                    } else {
                        case.errors
                            .iter()
                            .map(|d| report::plain_diagnostic(d, &sources))
                            .collect()
                    },
                    failures: Vec::new(),
                    snapshot: SnapshotStatus::NotRun,
                    decisions: Vec::new(),
                });
                continue;
            };
            let evaluation = ruleset.evaluate_with_explain(&run.customer, run.now);
            coverage.record(&evaluation.decisions);
            let failures = expect::compare(program, &run.expect, &evaluation.decisions);
            actual.push((
                case.name.clone(),
                snapshots::case_value(&evaluation.decisions),
            ));
            result.cases.push(CaseResult {
                name: case.name.clone(),
                line: case.line,
                invalid: false,
                errors: Vec::new(),
                failures,
                snapshot: SnapshotStatus::NotRun,
                decisions: evaluation.decisions,
            });
        }
        if result.cases.is_empty() && options.filter.is_some() {
            continue;
        }
        // In file order, once each (a duplicate name is an error, reported above).
        let mut all_names: Vec<&str> = Vec::with_capacity(parsed.cases.len());
        for c in &parsed.cases {
            if !all_names.contains(&c.name.as_str()) {
                all_names.push(&c.name);
            }
        }
        update_snapshots(&mut result, &all_names, &actual, options.snapshots);
        files.push(result);
    }
    Ok(TestRun {
        sources,
        diagnostics,
        files,
        coverage,
    })
}

/// Compares the cases that ran with the stored snapshot file and writes it
/// as `mode` allows.
fn update_snapshots(
    result: &mut FileResult,
    all_names: &[&str],
    actual: &[(String, serde_yaml::Value)],
    mode: SnapshotMode,
) {
    let existing = std::fs::read_to_string(&result.snapshot_path).ok();
    // An unreadable snapshot file: every case counts as changed.
    let (stored, unreadable) = match existing.as_deref().map(snapshots::read_file) {
        Some(Ok(entries)) => (entries, false),
        Some(Err(_)) => (Vec::new(), true),
        None => (Vec::new(), false),
    };
    let snap_name = result.snapshot_path.to_string_lossy().replace('\\', "/");
    let mut changed_any = false;
    for case in &mut result.cases {
        let Some((_, value)) = actual.iter().find(|(n, _)| *n == case.name) else {
            continue;
        };
        let actual_text = snapshots::to_text(value);
        let stored_value = stored.iter().find(|(n, _)| *n == case.name).map(|(_, v)| v);
        case.snapshot = match stored_value {
            Some(v) if snapshots::to_text(v) == actual_text => SnapshotStatus::Matched,
            Some(v) => {
                if mode == SnapshotMode::Accept {
                    changed_any = true;
                    SnapshotStatus::Accepted
                } else {
                    SnapshotStatus::Changed {
                        stored: snapshots::case_text(&case.name, v),
                        actual: snapshots::case_text(&case.name, value),
                    }
                }
            }
            None if unreadable && mode != SnapshotMode::Accept => SnapshotStatus::Changed {
                stored: existing.clone().unwrap_or_default(),
                actual: snapshots::case_text(&case.name, value),
            },
            None => match mode {
                SnapshotMode::Check => SnapshotStatus::Missing,
                SnapshotMode::WriteNew | SnapshotMode::Accept => {
                    changed_any = true;
                    SnapshotStatus::Written
                }
            },
        };
    }
    result.obsolete = stored
        .iter()
        .filter(|(n, _)| !all_names.contains(&n.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    let prune = mode == SnapshotMode::Accept && !result.obsolete.is_empty();
    if !(changed_any || prune) {
        return;
    }
    // The new file: cases in test-file order; a case that ran takes its new
    // decisions when they were written or accepted, the others keep theirs.
    let mut entries: Vec<(String, serde_yaml::Value)> = Vec::new();
    for name in all_names {
        let ran = result.cases.iter().find(|c| c.name == *name);
        let fresh = ran.is_some_and(|c| {
            matches!(
                c.snapshot,
                SnapshotStatus::Written | SnapshotStatus::Accepted
            )
        });
        let value = if fresh {
            actual
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        } else {
            stored
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if let Some(v) = value {
            entries.push(((*name).to_string(), v));
        }
    }
    if mode != SnapshotMode::Accept {
        for (n, v) in &stored {
            if !all_names.contains(&n.as_str()) {
                entries.push((n.clone(), v.clone()));
            }
        }
    } else {
        result.obsolete.clear();
    }
    let test_file = Path::new(&result.name)
        .file_name()
        .map(|n| format!("tests/{}", n.to_string_lossy()))
        .unwrap_or_else(|| result.name.clone());
    let text = snapshots::render_file(&test_file, &entries);
    if existing.as_deref() == Some(text.as_str()) {
        return;
    }
    let written = result
        .snapshot_path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::atomic_file::write(&result.snapshot_path, &text));
    match written {
        Ok(()) => result.snapshot_written = true,
        Err(e) => {
            result.snapshot_error = Some(format!("cannot write {snap_name}: {e}"));
            for case in &mut result.cases {
                if matches!(
                    case.snapshot,
                    SnapshotStatus::Written | SnapshotStatus::Accepted
                ) {
                    case.snapshot = SnapshotStatus::Missing;
                }
            }
        }
    }
}
