//! Comparing rule files across `nudge fmt`: syntax-tree dumps without
//! positions, and the comments of a file. Shared by `tests/fmt_roundtrip.rs`
//! and the fuzzers (`fuzz/src/lib.rs` includes this file).

const SPAN_START: &str = "Span { file: FileId(";

/// A `{:?}` dump with every `Span { file: FileId(0), start: N, end: N }` removed.
pub fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(SPAN_START) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(close) = after.find(" }") else {
            rest = after;
            break;
        };
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The texts of all comments (`#` to the end of the line, outside strings),
/// trailing whitespace trimmed, sorted.
pub fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                out.push(line[i..].trim_end().to_string());
                break;
            }
        }
    }
    out.sort();
    out
}
