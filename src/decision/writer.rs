//! Writing the audit log safely: output goes to a temporary file beside the
//! destination and is renamed into place only when complete, so a crash
//! never leaves a truncated log that looks whole. Also the run manifest.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A file that appears at its path only once [`AtomicFile::commit`] succeeds.
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dest: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let dest = dest.as_ref().to_path_buf();
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| String::from("out"));
        let tmp = dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            dest,
            tmp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
        }
        std::fs::rename(&self.tmp, &self.dest)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// One input file of a run.
#[derive(Debug, Clone, Serialize, Default)]
pub struct InputSummary {
    pub file: String,
    /// SHA-256 of the bytes read.
    pub sha256: String,
    /// Customers read (valid or invalid).
    pub records: u64,
    /// Lines rejected (not a customer at all).
    pub rejected: u64,
}

/// A rejected input line.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedLine {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// The record of one `nudge eval` run.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub engine: String,
    pub ruleset: String,
    pub now: String,
    pub inputs: Vec<InputSummary>,
    pub customers: u64,
    pub invalid_customers: u64,
    pub decisions: u64,
    /// Decisions per outcome (every outcome listed, zero included).
    pub outcomes: BTreeMap<String, u64>,
    pub rejected_lines: u64,
    /// The first rejected lines (at most 1000), with why.
    pub rejected: Vec<RejectedLine>,
    /// Snapshot keys not in the schema (ignored).
    pub unknown_keys: u64,
    pub warnings: u64,
    pub started_at: String,
    pub finished_at: String,
}
