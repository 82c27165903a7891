//! The customer ids of a run, kept out of memory for
//! [`super::UniqueCustomers`]: each new id is appended once, with the
//! run-wide line where it was first seen, to an unnamed temporary file, and
//! read back only to confirm a fingerprint hit.
//!
//! Appends collect in a 64 KiB buffer and are written in one go; a record
//! is read back from the buffer or the file, wherever it is. If no temporary
//! file can be created or written (a read-only or full temporary
//! directory), the records stay in memory: the check stays exact and only
//! the memory bound is lost.
//!
//! A record is the line and the id's length (LEB128) then the id's bytes,
//! padded to 8 bytes, so that a record's place fits in 32 bits
//! ([`IdLog::MAX_BYTES`], 32 GiB).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Bytes kept in memory before they are written to the file.
const FLUSH_AT: usize = 64 << 10;

/// Records are aligned to this many bytes; places count in these units.
const ALIGN: u64 = 8;

/// The longest LEB128 encoding of a `u64`.
const MAX_VARINT: usize = 10;

/// An append-only log of (line, id) records; see the module documentation.
#[derive(Debug)]
pub(super) struct IdLog {
    /// The temporary file: `None` until the first flush, and for good once
    /// one could not be created or written.
    file: Option<File>,
    /// Whether the log stays in memory (no file could be used).
    in_memory: bool,
    /// Bytes in the file (all before those of `pending`).
    written: u64,
    /// Records not written yet (all of them when `in_memory`).
    pending: Vec<u8>,
    /// Flush when `pending` reaches this (a test makes it small).
    flush_at: usize,
    /// A record read back.
    scratch: Vec<u8>,
}

impl Default for IdLog {
    fn default() -> IdLog {
        IdLog {
            file: None,
            in_memory: false,
            written: 0,
            pending: Vec::new(),
            flush_at: FLUSH_AT,
            scratch: Vec::new(),
        }
    }
}

impl IdLog {
    /// The most bytes the log can address (places are 32-bit counts of
    /// 8-byte units).
    pub(super) const MAX_BYTES: u64 = (u32::MAX as u64 + 1) * ALIGN;

    /// A log that writes to its file every `flush_at` bytes (tests).
    #[cfg(test)]
    pub(super) fn flushing_at(flush_at: usize) -> IdLog {
        IdLog {
            flush_at,
            ..IdLog::default()
        }
    }

    /// A log that never uses a file (tests).
    #[cfg(test)]
    pub(super) fn memory_only() -> IdLog {
        IdLog {
            in_memory: true,
            ..IdLog::default()
        }
    }

    /// Bytes in the log.
    fn len(&self) -> u64 {
        self.written + self.pending.len() as u64
    }

    /// Bytes of memory held (the buffer of records not written yet).
    pub(super) fn memory(&self) -> usize {
        self.pending.capacity() + self.scratch.capacity()
    }

    /// Whether the records are in a file (not all in memory).
    #[cfg(test)]
    pub(super) fn on_disk(&self) -> bool {
        self.written > 0
    }

    /// Appends `id`, first seen at run-wide `line`; returns its place, or
    /// `None` when the log is full ([`IdLog::MAX_BYTES`]).
    pub(super) fn append(&mut self, line: u64, id: &str) -> Option<u32> {
        let at = self.len();
        let place = u32::try_from(at / ALIGN).ok()?;
        put_varint(&mut self.pending, line);
        put_varint(&mut self.pending, id.len() as u64);
        self.pending.extend_from_slice(id.as_bytes());
        let padded = self.len().next_multiple_of(ALIGN);
        self.pending.resize((padded - self.written) as usize, 0);
        if self.pending.len() >= self.flush_at && !self.in_memory {
            self.flush();
        }
        Some(place)
    }

    /// Writes the pending records to the file (creating it the first
    /// time); on failure the log stays in memory from then on.
    fn flush(&mut self) {
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(file) => self.file = Some(file),
                Err(_) => {
                    self.in_memory = true;
                    return;
                }
            }
        }
        let Some(file) = &mut self.file else {
            return;
        };
        let written = file
            .seek(SeekFrom::Start(self.written))
            .and_then(|_| file.write_all(&self.pending));
        match written {
            Ok(()) => {
                self.written += self.pending.len() as u64;
                self.pending.clear();
            }
            // What reached the file past `written` is never read.
            Err(_) => self.in_memory = true,
        }
    }

    /// If the record at `place` holds `id`, the line where it was first
    /// seen; `None` if it holds another id.
    pub(super) fn line_if(&mut self, place: u32, id: &str) -> io::Result<Option<u64>> {
        let at = u64::from(place) * ALIGN;
        let end = self.len().min(at + (2 * MAX_VARINT + id.len()) as u64);
        self.read(at, end)?;
        let mut bytes = self.scratch.as_slice();
        let line = take_varint(&mut bytes);
        let len = take_varint(&mut bytes);
        match (line, len) {
            (Some(line), Some(len)) if len == id.len() as u64 => {
                Ok(bytes.starts_with(id.as_bytes()).then_some(line))
            }
            (Some(_), Some(_)) => Ok(None),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a record of the temporary id file is damaged",
            )),
        }
    }

    /// Reads the log's bytes `at..end` into `scratch`.
    fn read(&mut self, at: u64, end: u64) -> io::Result<()> {
        self.scratch.clear();
        if at < self.written {
            let Some(file) = &mut self.file else {
                return Err(io::Error::other("the temporary id file is gone"));
            };
            let to = end.min(self.written);
            file.seek(SeekFrom::Start(at))?;
            Read::by_ref(file)
                .take(to - at)
                .read_to_end(&mut self.scratch)?;
        }
        let from = at.max(self.written) - self.written;
        let to = end.saturating_sub(self.written);
        if let Some(tail) = self.pending.get(from as usize..to as usize) {
            self.scratch.extend_from_slice(tail);
        }
        Ok(())
    }
}

/// Appends `n` as LEB128.
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Takes a LEB128 number off the front of `bytes`.
fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_from_the_file_and_the_buffer() {
        let mut log = IdLog::flushing_at(64);
        let ids: Vec<String> = (0..500)
            .map(|i| "x".repeat(i % 40) + &i.to_string())
            .collect();
        let places: Vec<u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| log.append(i as u64 * 1_000_003, id).unwrap())
            .collect();
        assert!(log.on_disk());
        assert!(!log.pending.is_empty() || log.written == log.len());
        for (i, (id, &place)) in ids.iter().zip(&places).enumerate() {
            assert_eq!(log.line_if(place, id).unwrap(), Some(i as u64 * 1_000_003));
            let other = format!("{id}y");
            assert_eq!(log.line_if(place, &other).unwrap(), None);
            assert_eq!(log.line_if(place, &id[..id.len() - 1]).unwrap(), None);
        }
    }

    #[test]
    fn a_memory_only_log_reads_the_same() {
        let mut log = IdLog::memory_only();
        let a = log.append(u64::MAX, "a").unwrap();
        let b = log.append(0, "").unwrap();
        let c = log.append(7, "ünïcødé").unwrap();
        assert!(!log.on_disk());
        assert_eq!(log.line_if(a, "a").unwrap(), Some(u64::MAX));
        assert_eq!(log.line_if(b, "").unwrap(), Some(0));
        assert_eq!(log.line_if(c, "ünïcødé").unwrap(), Some(7));
        assert_eq!(log.line_if(c, "a").unwrap(), None);
    }

    #[test]
    fn varints_round_trip() {
        for n in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, n);
            let mut bytes = out.as_slice();
            assert_eq!(take_varint(&mut bytes), Some(n));
            assert!(bytes.is_empty());
        }
        assert_eq!(take_varint(&mut [0x80u8, 0x80].as_slice()), None);
    }
}
