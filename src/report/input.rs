//! Reading the report's inputs line by line with bounded memory: decision
//! logs (and directories of them) and outcome snapshot files.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::ReportError;

/// Lines longer than this are rejected (and skipped) instead of read.
pub const MAX_LINE: usize = 64 << 20;

/// Problems kept word for word; beyond this only counted.
pub const MAX_PROBLEMS: usize = 20;

/// A line that could not be used, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub path: PathBuf,
    pub line: u64,
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
    pub count: u64,
    pub first: Vec<Rejected>,
}

impl Problems {
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
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReportError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| ReportError::io(p, e))?;
            let mut files = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| ReportError::io(p, e))?.path();
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
    mut f: impl FnMut(u64, &str, &mut Problems),
) -> Result<(), ReportError> {
    let file = File::open(path).map_err(|e| ReportError::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .map_err(|e| ReportError::io(path, e))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if buf.len() >= MAX_LINE && buf.last() != Some(&b'\n') {
            problems.push(path, number, "line longer than 64 MiB, skipped");
            skip_rest_of_line(&mut reader).map_err(|e| ReportError::io(path, e))?;
            continue;
        }
        match std::str::from_utf8(&buf) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => f(number, text.trim_end(), problems),
            Err(_) => problems.push(path, number, "not UTF-8 text"),
        }
    }
}

fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let (done, used) = {
            let chunk = reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(());
            }
            match memchr_newline(chunk) {
                Some(i) => (true, i + 1),
                None => (false, chunk.len()),
            }
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
        assert_eq!(expand(std::slice::from_ref(&dir)).unwrap(), [path]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
