//! Where the two rulesets of a diff come from: a directory on disk, or
//! `REV:DIR` read from git (`git ls-tree` and `git cat-file` in the
//! repository holding the current directory), so the old version needs no
//! checkout.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Code;
use crate::ruleset::{LoadError, Ruleset};

/// A ruleset named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesetSource {
    /// A directory of `.nudge` files.
    Dir(PathBuf),
    /// A directory as it is in a git revision (`origin/main:rules`); `dir`
    /// is relative to the current directory, as git reads `REV:./DIR`.
    Git {
        /// The revision: a branch, tag, commit or `HEAD~1`.
        rev: String,
        /// The directory in it.
        dir: String,
    },
}

impl RulesetSource {
    /// Reads `BEFORE`/`AFTER` as written: an existing path is a directory;
    /// otherwise `REV:DIR` names a directory in a git revision.
    pub fn parse(text: &str) -> RulesetSource {
        if Path::new(text).exists() {
            return RulesetSource::Dir(PathBuf::from(text));
        }
        match text.split_once(':') {
            Some((rev, dir)) if !rev.is_empty() => RulesetSource::Git {
                rev: rev.to_string(),
                dir: dir.to_string(),
            },
            _ => RulesetSource::Dir(PathBuf::from(text)),
        }
    }

    /// Loads and checks the ruleset.
    pub fn load(&self) -> Result<LoadedRuleset, SourceError> {
        match self {
            RulesetSource::Dir(path) => Ok(LoadedRuleset {
                label: path.display().to_string(),
                commit: None,
                ruleset: Ruleset::load(path).map_err(|error| SourceError::Load {
                    label: path.display().to_string(),
                    error,
                })?,
            }),
            RulesetSource::Git { rev, dir } => load_from_git(Path::new("."), rev, dir),
        }
    }
}

impl fmt::Display for RulesetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RulesetSource::Dir(path) => write!(f, "{}", path.display()),
            RulesetSource::Git { rev, dir } => write!(f, "{rev}:{dir}"),
        }
    }
}

/// A checked ruleset and how to name it in a report.
#[derive(Debug, Clone)]
pub struct LoadedRuleset {
    /// As given: `rules` or `origin/main:rules`.
    pub label: String,
    /// The abbreviated commit, for a ruleset read from git.
    pub commit: Option<String>,
    /// The checked ruleset.
    pub ruleset: Ruleset,
}

/// Why a ruleset of a diff could not be loaded.
#[derive(Debug)]
pub enum SourceError {
    /// `git` could not be run at all.
    GitMissing {
        /// Why.
        error: std::io::Error,
    },
    /// The current directory is not inside a git repository.
    NotARepository {
        /// `REV:DIR` as given.
        spec: String,
        /// What git said.
        message: String,
    },
    /// The revision does not name a commit.
    BadRevision {
        /// The revision as given.
        rev: String,
    },
    /// The revision has no `.nudge` file under the directory.
    NoSuchPath {
        /// The revision.
        rev: String,
        /// The directory as given.
        dir: String,
    },
    /// Another git failure (its message).
    Git {
        /// `REV:DIR` as given.
        spec: String,
        /// What git said.
        message: String,
    },
    /// The rules do not load (unreadable, empty or with errors).
    Load {
        /// The ruleset as given.
        label: String,
        /// Why.
        error: LoadError,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::GitMissing { error } => write!(f, "cannot run git: {error}"),
            SourceError::NotARepository { spec, message } => {
                write!(
                    f,
                    "cannot read `{spec}`: not in a git repository ({message})"
                )
            }
            SourceError::BadRevision { rev } => {
                write!(f, "`{rev}` is not a revision of this repository")
            }
            SourceError::NoSuchPath { rev, dir } => {
                write!(f, "`{rev}:{dir}` holds no .nudge files")
            }
            SourceError::Git { spec, message } => write!(f, "cannot read `{spec}`: {message}"),
            SourceError::Load { label, error } => write!(f, "{label}: {error}"),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::GitMissing { error } => Some(error),
            SourceError::Load { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl miette::Diagnostic for SourceError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(match self {
            SourceError::Load { error, .. } => return error.code(),
            _ => Code::Io,
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let text: String = match self {
            SourceError::GitMissing { .. } => "install git, or pass a directory instead of REV:DIR".into(),
            SourceError::NotARepository { .. } => {
                "run nudge diff inside the repository, or pass a directory instead of REV:DIR".into()
            }
            SourceError::BadRevision { rev } => format!(
                "check the name with `git rev-parse {rev}`; in CI, fetch the base branch first (`git fetch origin main`)"
            ),
            SourceError::NoSuchPath { rev, .. } => format!(
                "DIR is relative to the current directory; `git ls-tree -r --name-only {rev}` lists what the revision holds"
            ),
            SourceError::Git { .. } => return None,
            SourceError::Load { error, .. } => return error.help(),
        };
        Some(Box::new(text))
    }
}

/// Runs git in `cwd` and returns its standard output.
fn git(cwd: &Path, args: &[&str], spec: &str) -> Result<Vec<u8>, SourceError> {
    let output = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .output()
        .map_err(|error| SourceError::GitMissing { error })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if message.contains("not a git repository") {
        return Err(SourceError::NotARepository {
            spec: spec.to_string(),
            message,
        });
    }
    Err(SourceError::Git {
        spec: spec.to_string(),
        message,
    })
}

/// The directory prefix as git prints paths relative to the current
/// directory: `rules/`, or nothing for `.`.
fn dir_prefix(dir: &str) -> String {
    let trimmed = dir.trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

/// Reads every `.nudge` file under `dir` in revision `rev` of the
/// repository holding `cwd`, named relative to `dir` as [`Ruleset::load`]
/// names them (so the same files give the same ruleset hash).
pub fn load_from_git(cwd: &Path, rev: &str, dir: &str) -> Result<LoadedRuleset, SourceError> {
    let spec = format!("{rev}:{dir}");
    let commit_rev = format!("{rev}^{{commit}}");
    let commit = match git(
        cwd,
        &["rev-parse", "--verify", "--quiet", "--short", &commit_rev],
        &spec,
    ) {
        Ok(out) => String::from_utf8_lossy(&out).trim().to_string(),
        Err(SourceError::Git { .. }) => {
            return Err(SourceError::BadRevision {
                rev: rev.to_string(),
            })
        }
        Err(e) => return Err(e),
    };
    let pathspec = if dir.is_empty() { "." } else { dir };
    let listing = git(
        cwd,
        &["ls-tree", "-r", "-z", &commit, "--", pathspec],
        &spec,
    )?;
    let prefix = dir_prefix(dir);
    let mut files = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        // `<mode> <type> <object>\t<path>`
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (kind, object) = (meta.nth(1), meta.next());
        let (Some("blob"), Some(object)) = (kind, object) else {
            continue;
        };
        if !path.ends_with(".nudge") {
            continue;
        }
        let Some(name) = path.strip_prefix(&prefix) else {
            continue;
        };
        let text = git(cwd, &["cat-file", "blob", object], &spec)?;
        let text = String::from_utf8(text).map_err(|_| SourceError::Git {
            spec: spec.clone(),
            message: format!("{path} is not UTF-8 text"),
        })?;
        files.push((name.to_string(), text));
    }
    if files.is_empty() {
        return Err(SourceError::NoSuchPath {
            rev: rev.to_string(),
            dir: dir.to_string(),
        });
    }
    let ruleset = Ruleset::from_sources(files).map_err(|error| SourceError::Load {
        label: spec.clone(),
        error,
    })?;
    Ok(LoadedRuleset {
        label: spec,
        commit: Some(commit),
        ruleset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_paths_are_directories_and_the_rest_revisions() {
        assert_eq!(
            RulesetSource::parse("src"),
            RulesetSource::Dir(PathBuf::from("src"))
        );
        assert_eq!(
            RulesetSource::parse("origin/main:rules"),
            RulesetSource::Git {
                rev: "origin/main".into(),
                dir: "rules".into()
            }
        );
        assert_eq!(
            RulesetSource::parse("no-such-dir"),
            RulesetSource::Dir(PathBuf::from("no-such-dir"))
        );
    }

    #[test]
    fn prefixes_follow_git_paths() {
        assert_eq!(dir_prefix("rules"), "rules/");
        assert_eq!(dir_prefix("./rules/"), "rules/");
        assert_eq!(dir_prefix("."), "");
        assert_eq!(dir_prefix(""), "");
    }
}
