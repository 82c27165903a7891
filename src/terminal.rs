//! Styling for reports people read in a terminal (`explain`, `nudge test`):
//! ANSI colours when asked for, plain text otherwise.

/// Paints text with ANSI colours, or leaves it plain.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to use colours (only on a terminal).
    pub color: bool,
}

impl Style {
    /// `code` is an SGR code: `1` bold, `2` dim, `31` red, `32` green, `33` yellow.
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// ✓ for true, ✗ for false, · for not evaluated.
    pub fn mark(&self, value: Option<bool>) -> String {
        match value {
            Some(true) => self.paint("32", "✓"),
            Some(false) => self.paint("31", "✗"),
            None => self.paint("2", "·"),
        }
    }
}
