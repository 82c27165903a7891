//! Diagnostics: what went wrong in a rule file, where, and how to fix it.
//!
//! Every stage (parser, checker, test-file reader) reports [`Diagnostic`]
//! values; they become `miette` reports for people and JSON for machines.
//! Messages are lowercase with no final period and never name Rust types.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::syntax::{SourceSet, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about the source, with a primary span.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier such as `nudge::unknown_name`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// Short text under the underlined span.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain this one (a first definition, a cycle member).
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A self-contained `miette` report carrying its source file.
    pub fn to_report(&self, sources: &SourceSet) -> Report {
        let file = sources.get(self.span.file);
        let (name, text) = match file {
            Some(f) => (f.name.clone(), f.text.clone()),
            None => (String::from("<unknown>"), Arc::new(String::new())),
        };
        let location = file.map(|f| f.location(self.span.start));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            (!self.label.is_empty()).then(|| self.label.clone()),
            to_source_span(self.span),
        )];
        let mut help = self.help.clone();
        for (span, label) in &self.related {
            if span.file == self.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    to_source_span(*span),
                ));
            } else if let Some(other) = sources.get(span.file) {
                let loc = other.location(span.start);
                let note = format!("{label} ({}:{}:{})", other.name, loc.line, loc.column);
                help = Some(match help {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
            }
        }
        let message = match location {
            Some(loc) => format!("{}:{}:{}: {}", name, loc.line, loc.column, self.message),
            None => self.message.clone(),
        };
        Report {
            message,
            code: self.code,
            severity: self.severity,
            help,
            labels,
            source: NamedSource::new(name, text),
        }
    }

    /// The machine-readable form used by `nudge check --format json`.
    pub fn to_json(&self, sources: &SourceSet) -> JsonDiagnostic {
        let file = sources.get(self.span.file);
        let start = file.map(|f| f.location(self.span.start));
        let end = file.map(|f| f.location(self.span.end));
        JsonDiagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            file: file.map(|f| f.name.clone()).unwrap_or_default(),
            line: start.map(|l| l.line).unwrap_or(0),
            column: start.map(|l| l.column).unwrap_or(0),
            end_line: end.map(|l| l.line).unwrap_or(0),
            end_column: end.map(|l| l.column).unwrap_or(0),
            label: self.label.clone(),
            help: self.help.clone(),
        }
    }
}

fn to_source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

/// A diagnostic as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A diagnostic with its source attached, ready for `miette` to render.
#[derive(Debug)]
pub struct Report {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: NamedSource<Arc<String>>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// "did you mean" for a misspelt name: the closest candidate within a small
/// edit distance, if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit || (c.starts_with(name) && name.len() >= 3))
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["plan", "signed_up_at", "last_seen_at"];
        assert_eq!(did_you_mean("plann", names), Some("plan"));
        assert_eq!(did_you_mean("last_sen_at", names), Some("last_seen_at"));
        assert_eq!(did_you_mean("zebra", names), None);
    }
}
