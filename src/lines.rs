//! Reading NDJSON files one line at a time with bounded memory (decision
//! logs for `nudge report` and `nudge eval --history`, outcome snapshots),
//! with every unusable line kept as `file:line: why`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file that could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read {}: {source}", path.display())]
#[diagnostic(code(nudge::io), help("check that the file exists and is readable"))]
pub struct ReadError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

impl ReadError {
    /// `path` could not be read because of `source`.
    pub fn new(path: &Path, source: std::io::Error) -> ReadError {
        ReadError {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Lines longer than this are rejected (and skipped) instead of read.
pub const MAX_LINE: usize = 64 << 20;

/// Problems kept word for word; beyond this only counted.
pub const MAX_PROBLEMS: usize = 20;

/// A line that could not be used, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The file.
    pub path: PathBuf,
    /// The line number, from 1.
    pub line: u64,
    /// Why the line was not used.
    pub message: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Rejected lines: the first few in full, all of them counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems {
    /// Every rejected line.
    pub count: u64,
    /// The first [`MAX_PROBLEMS`] of them.
    pub first: Vec<Rejected>,
}

impl Problems {
    /// Records line `line` of `path` as rejected, with why.
    pub fn push(&mut self, path: &Path, line: u64, message: impl Into<String>) {
        self.count += 1;
        if self.first.len() < MAX_PROBLEMS {
            self.first.push(Rejected {
                path: path.to_path_buf(),
                line,
                message: message.into(),
            });
        }
    }
}

/// The files to read: each path, or the `.ndjson`/`.jsonl` files of a
/// directory in path order (a run's `.json` manifest beside its log is not one).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| ReadError::new(p, e))?;
            let mut files = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| ReadError::new(p, e))?.path();
                let log = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "ndjson" | "jsonl"));
                if log && path.is_file() {
                    files.push(path);
                }
            }
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Calls `f(line number, text)` for every non-blank line of `path`, one
/// line in memory at a time. Lines over [`MAX_LINE`] or not UTF-8 are
/// reported to `problems`.
pub fn each_line(
    path: &Path,
    problems: &mut Problems,
    f: impl FnMut(u64, &str, &mut Problems),
) -> Result<(), ReadError> {
    each_line_hashed(path, problems, None, f)
}

/// [`each_line`], also feeding every byte of the file to `hasher` (for a
/// manifest's SHA-256 without reading the file twice).
pub fn each_line_hashed(
    path: &Path,
    problems: &mut Problems,
    mut hasher: Option<&mut Sha256>,
    mut f: impl FnMut(u64, &str, &mut Problems),
) -> Result<(), ReadError> {
    let file = File::open(path).map_err(|e| ReadError::new(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ReadError::new(path, e))?;
        if read == 0 {
            return Ok(());
        }
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf);
        }
        number += 1;
        if buf.len() >= MAX_LINE && buf.last() != Some(&b'\n') {
            problems.push(path, number, "line longer than 64 MiB, skipped");
            skip_rest_of_line(&mut reader, hasher.as_deref_mut())
                .map_err(|e| ReadError::new(path, e))?;
            continue;
        }
        match std::str::from_utf8(&buf) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => f(number, text.trim_end(), problems),
            Err(_) => problems.push(path, number, "not UTF-8 text"),
        }
    }
}

fn skip_rest_of_line(
    reader: &mut impl BufRead,
    mut hasher: Option<&mut Sha256>,
) -> std::io::Result<()> {
    loop {
        let (done, used) = {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            let (done, used) = match memchr_newline(chunk) {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            };
            if let Some(h) = hasher.as_deref_mut() {
                h.update(chunk.get(..used).unwrap_or(chunk));
            }
            (done, used)
        };
        reader.consume(used);
        if done {
            return Ok(());
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_and_blank_lines_skipped() {
        let dir = std::env::temp_dir().join(format!("nudge-report-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.ndjson");
        std::fs::write(&path, "one\n\n  \nfour\r\nfive").unwrap();
        let mut seen = Vec::new();
        let mut problems = Problems::default();
        each_line(&path, &mut problems, |n, t, _| {
            seen.push((n, t.to_string()))
        })
        .unwrap();
        assert_eq!(
            seen,
            [(1, "one".into()), (4, "four".into()), (5, "five".into())]
        );
        assert_eq!(problems.count, 0);
        let mut hasher = Sha256::new();
        each_line_hashed(&path, &mut problems, Some(&mut hasher), |_, _, _| {}).unwrap();
        assert_eq!(
            hasher.finalize().as_slice(),
            Sha256::digest(std::fs::read(&path).unwrap()).as_slice()
        );
        assert_eq!(expand(std::slice::from_ref(&dir)).unwrap(), [path]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
