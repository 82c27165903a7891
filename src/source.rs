//! Rule files as text: the files of a ruleset, byte spans into them and
//! line/column locations. The lowest layer: it imports nothing of nudge, so
//! both [`syntax`](crate::syntax) and [`diagnostic`](crate::diagnostic) can
//! use it.

use std::sync::Arc;

/// Index of a file in a [`SourceSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The range `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One rule file: its name relative to the ruleset directory and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's name, relative to the ruleset directory.
    pub name: String,
    /// The whole text (shared, cheap to clone).
    pub text: Arc<String>,
    line_starts: Vec<usize>,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl SourceFile {
    /// A file from its name and text (line starts are indexed once here).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let mut text: String = text.into();
        // A UTF-8 byte-order mark is not part of the text (editors hide it).
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text: Arc::new(text),
            line_starts,
        }
    }

    /// Line and column of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        Location {
            line: line_index + 1,
            column,
        }
    }

    /// The source text of a span ("" when out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

/// All files of a ruleset, in path order. Spans index into it by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    /// An empty set.
    pub fn new() -> SourceSet {
        SourceSet::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file with its id, in order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the set has no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The source text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map(|f| f.slice(span)).unwrap_or("")
    }
}
