//! Text made safe inside the HTML and XML that nudge writes (the lift
//! report page, JUnit test reports).

/// The kind of document the text goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markup {
    /// HTML content and attribute values: `'` becomes `&#39;`.
    Html,
    /// XML 1.0: `'` becomes `&apos;`, and the characters XML forbids
    /// (control characters, ANSI escapes) are dropped. JUnit reports are
    /// written by the rule test runner, a `cli` feature.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    Xml,
}

/// `text` with `& < > " '` escaped for `markup`.
pub(crate) fn escape(text: &str, markup: Markup) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if markup == Markup::Html => out.push_str("&#39;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if markup == Markup::Xml
                && ((c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}
