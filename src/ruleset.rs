//! A loaded ruleset: its source files, their hash, and the checked program.
//! This is what embedding services hold; it is cheap to clone and share
//! between threads.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::check;
use crate::decision::{Decision, Evaluation, IdSeed};
use crate::diagnostic::{Code, Diagnostic, Report};
pub use crate::digest::hex;
use crate::program::Program;
use crate::snapshot::{Customer, RejectedInput};
use crate::syntax::{self, SourceFile, SourceSet};

/// A checked ruleset, ready to evaluate. Cloning shares it (an `Arc`
/// inside); it is `Send + Sync`, and evaluation takes `&self` and no lock,
/// so one ruleset serves any number of threads.
#[derive(Debug, Clone)]
pub struct Ruleset {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    program: Program,
    sources: SourceSet,
    /// The ruleset hash, and the start of every decision id.
    ids: IdSeed,
    warnings: Vec<Diagnostic>,
}

/// Everything `nudge check` reports about a set of sources.
#[derive(Debug)]
pub struct CheckResult {
    /// The files that were checked.
    pub sources: SourceSet,
    /// The checked program, when there were no errors.
    pub program: Option<Program>,
    /// Errors and warnings, in file and position order.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckResult {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Why a ruleset could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The directory or a file could not be read.
    Io {
        /// The file or directory that could not be read.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The directory holds no `.nudge` file.
    Empty {
        /// The directory.
        path: PathBuf,
    },
    /// The rules have errors; `diagnostics` has all of them (and warnings).
    Invalid {
        /// The files that were checked.
        sources: SourceSet,
        /// Every diagnostic, errors and warnings.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// One rendered-ready report per diagnostic.
    pub fn reports(&self) -> Vec<Report> {
        match self {
            LoadError::Invalid {
                sources,
                diagnostics,
            } => diagnostics.iter().map(|d| d.to_report(sources)).collect(),
            _ => Vec::new(),
        }
    }

    /// The diagnostics of a refused ruleset (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            LoadError::Empty { path } => write!(f, "{} holds no .nudge files", path.display()),
            LoadError::Invalid {
                sources,
                diagnostics,
            } => {
                let errors: Vec<&Diagnostic> =
                    diagnostics.iter().filter(|d| d.is_error()).collect();
                write!(
                    f,
                    "the ruleset has {} error{}",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                )?;
                for d in errors {
                    let loc = sources
                        .get(d.span.file)
                        .map(|file| (file.name.clone(), file.location(d.span.start)));
                    match loc {
                        Some((name, l)) => {
                            write!(f, "\n  {name}:{}:{}: {}", l.line, l.column, d.message)?
                        }
                        None => write!(f, "\n  {}", d.message)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl miette::Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            LoadError::Io { .. } => Code::Io,
            LoadError::Empty { .. } => Code::EmptyRuleset,
            LoadError::Invalid { .. } => Code::InvalidRuleset,
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            LoadError::Empty { .. } => Some(Box::new(
                "point at the directory holding your rules, e.g. `rules/`",
            )),
            _ => None,
        }
    }
}

/// Reads every `*.nudge` file of a directory (recursively, in path order;
/// the `tests/` folder holds YAML and is skipped by extension).
pub fn read_sources(dir: &Path) -> Result<SourceSet, LoadError> {
    let mut paths = Vec::new();
    collect_nudge_files(dir, &mut paths, 0)?;
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::Empty {
            path: dir.to_path_buf(),
        });
    }
    let mut sources = SourceSet::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|error| LoadError::Io {
            path: path.clone(),
            error,
        })?;
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        sources.add(SourceFile::new(name, text));
    }
    Ok(sources)
}

/// How deep `read_sources` descends into subdirectories (a bound against
/// symbolic-link loops).
const MAX_DIR_DEPTH: usize = 16;

fn collect_nudge_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), LoadError> {
    let io = |error| LoadError::Io {
        path: dir.to_path_buf(),
        error,
    };
    if depth > MAX_DIR_DEPTH {
        return Err(io(std::io::Error::other(format!(
            "directories nested deeper than {MAX_DIR_DEPTH} levels (a symbolic-link loop?)"
        ))));
    }
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_nudge_files(&path, out, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "nudge") {
            // A FIFO, socket or device would block or never end: only
            // regular files (or links to them) are rule files.
            if !path.is_file() {
                return Err(LoadError::Io {
                    path,
                    error: std::io::Error::other(
                        "not a regular file (a FIFO, socket or device); rule files must be regular files",
                    ),
                });
            }
            out.push(path);
        }
    }
    Ok(())
}

/// Parses and checks a set of sources, reporting everything.
pub fn check_sources(sources: SourceSet) -> CheckResult {
    let mut diagnostics = Vec::new();
    let mut asts = Vec::new();
    for (id, file) in sources.files() {
        let (ast, diags) = syntax::parse_file(id, &file.text);
        diagnostics.extend(diags);
        asts.push((id, ast));
    }
    // Names and types are only checked once the files parse: a broken item
    // would otherwise show up again as "unknown segment" everywhere.
    let program = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        let refs: Vec<_> = asts.iter().map(|(id, ast)| (*id, ast)).collect();
        let (program, diags) = crate::deep_stack::run(|| check::check(&refs));
        diagnostics.extend(diags);
        program
    };
    CheckResult {
        sources,
        program,
        diagnostics,
    }
}

/// SHA-256 over the files sorted by path: for each, the path relative to the
/// ruleset directory, a NUL byte, the byte length as 8 bytes big-endian, and
/// the bytes.
pub fn hash_sources(sources: &SourceSet) -> String {
    let mut files: Vec<&SourceFile> = sources.files().map(|(_, f)| f).collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.name.as_bytes());
        hasher.update([0u8]);
        hasher.update((f.text.len() as u64).to_be_bytes());
        hasher.update(f.text.as_bytes());
    }
    hex(&hasher.finalize())
}

impl Ruleset {
    /// Loads and checks every `.nudge` file under `dir` (in path order).
    ///
    /// ```
    /// let ruleset = nudge::Ruleset::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))?;
    /// assert!(ruleset.program().rules.len() >= 12);
    /// assert_eq!(ruleset.hash().len(), 64);
    /// # Ok::<(), nudge::LoadError>(())
    /// ```
    pub fn load(dir: impl AsRef<Path>) -> Result<Ruleset, LoadError> {
        Ruleset::from_source_set(read_sources(dir.as_ref())?)
    }

    /// Builds a ruleset from in-memory files: `(name, text)` pairs, where the
    /// name is the path relative to the ruleset directory (it feeds the hash
    /// and the diagnostics).
    pub fn from_sources<N, T>(files: impl IntoIterator<Item = (N, T)>) -> Result<Ruleset, LoadError>
    where
        N: Into<String>,
        T: Into<String>,
    {
        let mut named: Vec<(String, String)> = files
            .into_iter()
            .map(|(n, t)| (n.into(), t.into()))
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sources = SourceSet::new();
        for (name, text) in named {
            sources.add(SourceFile::new(name, text));
        }
        Ruleset::from_source_set(sources)
    }

    fn from_source_set(sources: SourceSet) -> Result<Ruleset, LoadError> {
        let result = check_sources(sources);
        match result.program {
            Some(program) if !result.diagnostics.iter().any(Diagnostic::is_error) => {
                let hash = hash_sources(&result.sources);
                Ok(Ruleset {
                    inner: Arc::new(Inner {
                        program,
                        sources: result.sources,
                        ids: IdSeed::new(&hash),
                        warnings: result.diagnostics,
                    }),
                })
            }
            _ => Err(LoadError::Invalid {
                sources: result.sources,
                diagnostics: result.diagnostics,
            }),
        }
    }

    /// The checked program.
    pub fn program(&self) -> &Program {
        &self.inner.program
    }

    /// SHA-256 of the ruleset's files (see [`hash_sources`]).
    pub fn hash(&self) -> &str {
        self.inner.ids.hash()
    }

    /// The source files this ruleset was loaded from.
    pub fn sources(&self) -> &SourceSet {
        &self.inner.sources
    }

    /// Warnings found while checking.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }
}

/// Evaluation: the library's main entry points for embedding services.
impl Ruleset {
    /// Reads one customer snapshot from JSON text.
    pub fn read_customer(&self, json: &str) -> Result<Customer, RejectedInput> {
        crate::snapshot::from_json_str(self.program(), json)
    }

    /// Reads one customer snapshot from a parsed JSON value.
    pub fn read_customer_value(
        &self,
        value: &serde_json::Value,
    ) -> Result<Customer, RejectedInput> {
        crate::snapshot::from_json_value(self.program(), value)
    }

    /// The decisions for one customer at `now`: one per rule whose `when`
    /// held or failed (`no_match` rules are left out), in arbitration order.
    ///
    /// Evaluation is a pure function of (ruleset, snapshot, `now`): the same
    /// inputs give the same decisions, with the same `decision_id`s.
    pub fn evaluate(&self, customer: &Customer, now: DateTime<Utc>) -> Vec<Decision> {
        self.evaluation(customer, now, false).decisions
    }

    /// Everything about one customer at `now`: the decisions, the snapshot's
    /// problems when it did not fit the schema, the number of unknown keys,
    /// and (through [`Evaluation::warnings`]) the warnings. With `explain`,
    /// also a `no_match` decision for every other rule (its `because` shows
    /// the failing condition) and the suppressions' results.
    ///
    /// ```
    /// # let ruleset = nudge::Ruleset::from_sources([("r.nudge", "schema { vip: bool }\npolicy { channels email }\nrule vip_note { when vip send email \"note\" cooldown 7 days }")])?;
    /// let now = nudge::instant::parse("2026-11-23T09:00:00Z")?;
    /// let customer = ruleset.read_customer(r#"{"id": "c2", "vip": "yes", "shoe_size": 42}"#)?;
    /// let evaluation = ruleset.evaluation(&customer, now, false);
    /// assert!(evaluation.is_invalid());
    /// assert_eq!(evaluation.decisions[0].outcome, nudge::Outcome::Error);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluation(&self, customer: &Customer, now: DateTime<Utc>, explain: bool) -> Evaluation {
        crate::arbitrate::evaluate(
            self.program(),
            &self.inner.ids,
            customer,
            now.timestamp_micros(),
            explain,
        )
    }

    /// Like [`Ruleset::evaluate`], but with a `no_match` decision for every
    /// other rule (its `because` shows the failing condition) and the
    /// suppressions' results: [`Ruleset::evaluation`] with `explain`.
    ///
    /// ```
    /// # let ruleset = nudge::Ruleset::from_sources([("r.nudge", "schema { vip: bool }\npolicy { channels email }\nrule vip_note { when vip send email \"note\" cooldown 7 days }")])?;
    /// let customer = ruleset.read_customer(r#"{"id": "c2", "vip": false}"#)?;
    /// let evaluation = ruleset.evaluate_with_explain(&customer, "2026-11-23T09:00:00Z".parse()?);
    /// assert_eq!(evaluation.decisions[0].outcome, nudge::Outcome::NoMatch);
    /// assert_eq!(evaluation.decisions[0].reason, "`vip` is false");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_with_explain(&self, customer: &Customer, now: DateTime<Utc>) -> Evaluation {
        self.evaluation(customer, now, true)
    }

    /// Reads and evaluates a JSON snapshot in one call.
    pub fn evaluate_json(
        &self,
        value: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<Decision>, RejectedInput> {
        Ok(self.evaluate(&self.read_customer_value(value)?, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruleset_is_send_sync_and_cheap_to_clone() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<Ruleset>();
    }
}
