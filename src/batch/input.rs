//! Where customers come from: files by extension, stdin, any reader, or
//! lines in memory; how their bytes are cut into blocks of whole lines; and
//! the [`Record`] a step reads a customer from.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender};

use sha2::{Digest, Sha256};

use crate::snapshot::{Customer, RejectedInput};
use crate::Ruleset;

/// How an input's records are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NDJSON / JSON Lines: one customer per line, streamed in blocks.
    Lines,
    /// One JSON array of customers (read whole).
    JsonArray,
    /// YAML: one customer, a list, or `---` documents of either (read whole).
    Yaml,
}

impl Format {
    /// How records of this format are numbered.
    pub fn unit(self) -> super::Unit {
        match self {
            Format::Lines => super::Unit::Line,
            Format::JsonArray | Format::Yaml => super::Unit::Customer,
        }
    }

    /// The format of a file name: `.json` is an array, `.yaml`/`.yml` YAML,
    /// anything else (`.ndjson`, `.jsonl`, `-`) lines.
    pub fn of_name(name: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Format::JsonArray
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Format::Yaml
        } else {
            Format::Lines
        }
    }
}

/// Called with the number of bytes read, as they are read (progress bars).
pub type Progress = Box<dyn FnMut(u64) + Send>;

/// One input of a batch run: a name (used in rejections and the manifest),
/// a [`Format`] and the bytes.
pub struct Input {
    pub(crate) name: String,
    pub(crate) format: Format,
    pub(crate) reader: Box<dyn Read + Send>,
    pub(crate) len: Option<u64>,
    pub(crate) progress: Option<Progress>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens a file (its [`Format`] from its extension), or stdin for `-`.
    pub fn open(name: &str) -> io::Result<Input> {
        if name == "-" {
            return Ok(Input::from_reader(name, Format::Lines, io::stdin()));
        }
        let file = std::fs::File::open(name)?;
        let len = file.metadata().ok().map(|m| m.len());
        let mut input = Input::from_reader(name, Format::of_name(name), file);
        input.len = len;
        Ok(input)
    }

    /// Any reader, with a name and a format.
    pub fn from_reader(
        name: impl Into<String>,
        format: Format,
        reader: impl Read + Send + 'static,
    ) -> Input {
        Input {
            name: name.into(),
            format,
            reader: Box::new(reader),
            len: None,
            progress: None,
        }
    }

    /// Lines in memory (or produced by any iterator, e.g. from an Arrow
    /// string array), one customer each, numbered from 1. They are
    /// streamed in blocks like a file; a line must not contain `\n`.
    pub fn from_lines<I>(name: impl Into<String>, lines: I) -> Input
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
        I::IntoIter: Send + 'static,
    {
        let reader = LineReader {
            lines: lines.into_iter(),
            pending: Vec::new(),
            at: 0,
        };
        Input::from_reader(name, Format::Lines, reader)
    }

    /// Calls `progress` with the bytes read as they are read.
    pub fn with_progress(mut self, progress: impl FnMut(u64) + Send + 'static) -> Input {
        self.progress = Some(Box::new(progress));
        self
    }

    /// The input's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The size in bytes, when known (files).
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the input is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }
}

/// An iterator of lines as a reader of `line\n` bytes.
struct LineReader<I: Iterator> {
    lines: I,
    pending: Vec<u8>,
    at: usize,
}

impl<I: Iterator> Read for LineReader<I>
where
    I::Item: AsRef<str>,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.pending.len() {
            let Some(line) = self.lines.next() else {
                return Ok(0);
            };
            self.pending.clear();
            self.pending.extend_from_slice(line.as_ref().as_bytes());
            self.pending.push(b'\n');
            self.at = 0;
        }
        let rest = self.pending.get(self.at..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

/// One input record, before it is read into a customer: a step reads it
/// with whichever ruleset(s) it evaluates (two for `nudge diff`).
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// One NDJSON line (trailing whitespace removed).
    Json(&'a str),
    /// One element of a JSON array.
    Value(&'a serde_json::Value),
    /// One YAML document or list item.
    Yaml(&'a serde_yaml::Value),
}

impl Record<'_> {
    /// Reads the record into a customer laid out by `ruleset`'s schema.
    pub fn read(&self, ruleset: &Ruleset) -> Result<Customer, RejectedInput> {
        match self {
            Record::Json(text) => ruleset.read_customer(text),
            Record::Value(value) => ruleset.read_customer_value(value),
            Record::Yaml(value) => crate::snapshot::from_deserializer(ruleset.program(), *value),
        }
    }
}

/// Whole lines of input: `data` holds them, `first_line` is the number of
/// the first.
pub(crate) struct Block {
    pub(crate) data: Vec<u8>,
    pub(crate) first_line: u64,
}

impl Block {
    /// Every line with its number (blank ones included; the caller decides).
    pub(crate) fn lines(&self) -> Vec<(u64, &[u8])> {
        let mut out = Vec::with_capacity(self.data.len() / 512 + 1);
        let mut start = 0;
        let data = self.data.strip_suffix(b"\n").unwrap_or(&self.data);
        let ends = memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len()));
        for (i, end) in ends.enumerate() {
            out.push((
                self.first_line + i as u64,
                data.get(start..end).unwrap_or(&[]),
            ));
            start = end + 1;
        }
        out
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file:
/// skipped before the first record of every input.
pub const BOM: &str = "\u{feff}";

/// Bytes per block: large enough to keep the cores busy, small enough that
/// memory stays flat (a few blocks are in flight).
const BLOCK: usize = 1 << 20;

/// Reads blocks of whole lines (hashing every byte when `hash`), sends them
/// on `tx` and returns the hasher. Buffers of processed blocks come back on
/// `recycled`, so memory is allocated (and zeroed by the kernel) only for
/// the first few blocks.
pub(crate) fn read_blocks(
    reader: &mut (dyn Read + Send),
    hash: bool,
    progress: &mut Option<Progress>,
    tx: &SyncSender<io::Result<Block>>,
    recycled: &Receiver<Vec<u8>>,
) -> io::Result<Option<Sha256>> {
    let mut hasher = hash.then(Sha256::new);
    let mut carry: Vec<u8> = Vec::new();
    let mut next_line = 1u64;
    loop {
        let mut data = recycled.try_recv().unwrap_or_default();
        data.clear();
        data.append(&mut carry);
        let start = data.len();
        data.resize(start + BLOCK, 0);
        let mut filled = start;
        while let Some(free) = data.get_mut(filled..).filter(|f| !f.is_empty()) {
            match reader.read(free) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                    return Err(e);
                }
            }
        }
        data.truncate(filled);
        let fresh = data.get(start..).unwrap_or(&[]);
        if let Some(h) = &mut hasher {
            h.update(fresh);
        }
        if let Some(progress) = progress {
            progress(fresh.len() as u64);
        }
        let eof = filled < start + BLOCK;
        if !eof {
            // Keep the unfinished last line for the next block.
            match memchr::memrchr(b'\n', &data) {
                Some(i) => {
                    carry.extend_from_slice(data.get(i + 1..).unwrap_or(&[]));
                    data.truncate(i + 1);
                }
                None => {
                    carry = data;
                    continue;
                }
            }
        }
        if next_line == 1 {
            // A UTF-8 byte-order mark before the first line is not part of it.
            if let Some(rest) = data.strip_prefix(BOM.as_bytes()) {
                let len = rest.len();
                data.copy_within(BOM.len().., 0);
                data.truncate(len);
            }
        }
        if data.is_empty() {
            break;
        }
        let lines = memchr::memchr_iter(b'\n', &data).count() as u64
            + u64::from(data.last() != Some(&b'\n'));
        let first_line = next_line;
        next_line += lines;
        if tx.send(Ok(Block { data, first_line })).is_err() || eof {
            break;
        }
    }
    Ok(hasher)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` in blocks, checks the hash is the hash of every byte
    /// read and returns the numbered lines of all blocks.
    fn read_lines(text: &str) -> Vec<(u64, Vec<u8>)> {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let (_recycle_tx, recycle_rx) = std::sync::mpsc::channel();
        let mut reader: Box<dyn Read + Send> = Box::new(text.as_bytes());
        let hasher = read_blocks(&mut *reader, true, &mut None, &tx, &recycle_rx).unwrap();
        drop(tx);
        let blocks: Vec<Block> = rx.into_iter().map(Result::unwrap).collect();
        let digest = crate::digest::hex(&hasher.unwrap().finalize());
        assert_eq!(digest, crate::digest::hex(&Sha256::digest(text.as_bytes())));
        blocks
            .iter()
            .flat_map(|b| b.lines().into_iter().map(|(n, l)| (n, l.to_vec())))
            .collect()
    }

    #[test]
    fn blocks_keep_line_numbers_across_reads() {
        assert_eq!(
            read_lines("a\n\nb\r\nc"),
            [
                (1, b"a".to_vec()),
                (2, b"".to_vec()),
                (3, b"b\r".to_vec()),
                (4, b"c".to_vec())
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_skipped_but_hashed() {
        // Only the first line's mark goes; a mark inside the file is data.
        assert_eq!(
            read_lines("\u{feff}a\n\u{feff}b\n"),
            [(1, b"a".to_vec()), (2, "\u{feff}b".as_bytes().to_vec())]
        );
    }

    #[test]
    fn lines_in_memory_read_as_ndjson() {
        let mut input = Input::from_lines("mem", vec!["{}", "[]"]);
        let mut text = String::new();
        input.reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "{}\n[]\n");
        assert_eq!(input.format(), Format::Lines);
    }
}
