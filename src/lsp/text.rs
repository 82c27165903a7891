//! Positions in a document: byte offsets (what spans hold) to LSP positions
//! (line and UTF-16 column) and back, and applying incremental edits.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Line starts of one text, for mapping offsets to positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    /// The LSP position of a byte offset (clamped to the text; an offset
    /// inside a character counts as its start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column: usize = text
            .get(start..offset)
            .map(|s| s.chars().map(char::len_utf16).sum())
            .unwrap_or(0);
        Position::new(to_u32(line), to_u32(column))
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of an LSP position. A column past the end of its line
    /// means the end of the line; a line past the end means the end of text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len();
        };
        let line_end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        let line = text.get(start..line_end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        line_end
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Applies one `didChange` content change: a range replacement, or the
/// whole text when the change has no range.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(text, range.start);
            let end = index.offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a é😀b\nnext";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(index.position(text, b), Position::new(0, 5));
        assert_eq!(index.offset(text, Position::new(0, 5)), b);
        assert_eq!(index.offset(text, Position::new(1, 2)), text.len() - 2);
        assert_eq!(
            index.offset(text, Position::new(0, 99)),
            text.find('\n').unwrap()
        );
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn applies_range_edits() {
        let mut text = String::from("rule r {\n  when plann\n}");
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(1, 11), Position::new(1, 12))),
            range_length: None,
            text: String::new(),
        };
        apply_change(&mut text, change);
        assert_eq!(text, "rule r {\n  when plan\n}");
    }
}
