//! Hover: what a name is (its kind and type, `first_name: string?`,
//! `segment trial: bool`) and the `#` comment above its definition; for a
//! built-in function, its signature and one-line doc from the table of
//! built-ins ([`builtins`](crate::program::builtins)).

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::index::{Kind, Symbol};
use super::workspace::Analysis;
use crate::syntax::{FileId, Span};

/// The hover for the name under `offset`.
pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<Hover> {
    if let Some((span, function)) = analysis.index.call_at(file, offset) {
        return Some(markdown(
            analysis,
            span,
            format!(
                "```nudge\n{}\n```\n\n{}",
                function.signature(),
                function.doc
            ),
        ));
    }
    let occurrence = analysis.index.at(file, offset)?;
    let symbol = analysis.index.symbols.get(occurrence.symbol)?;
    let mut value = format!("```nudge\n{}\n```", signature(analysis, symbol));
    if symbol.kind == Kind::Rule && !symbol.detail.is_empty() {
        value.push_str("\n\n");
        value.push_str(&symbol.detail);
    }
    if !symbol.doc.is_empty() {
        value.push_str("\n\n");
        value.push_str(&symbol.doc);
    }
    Some(markdown(analysis, occurrence.span, value))
}

fn markdown(analysis: &Analysis, span: Span, value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.range(span)),
    }
}

/// The one-line description of a symbol.
pub fn signature(analysis: &Analysis, s: &Symbol) -> String {
    match s.kind {
        Kind::Attribute => format!("{}: {}", s.name, s.detail),
        Kind::Field | Kind::Property => format!(
            "{}.{}: {}",
            s.container.as_deref().unwrap_or("?"),
            s.name,
            s.detail
        ),
        Kind::Event if s.detail.is_empty() => format!("event {}", s.name),
        Kind::Event => format!("event {} {}", s.name, s.detail),
        Kind::Segment => format!("segment {}: bool = {}", s.name, s.detail),
        Kind::Metric => match metric_type(analysis, &s.name) {
            Some(ty) => format!("metric {}: {ty} = {}", s.name, s.detail),
            None => format!("metric {} = {}", s.name, s.detail),
        },
        Kind::Rule => format!("rule {}", s.name),
        Kind::Suppression => format!("suppress {} when {}", s.name, s.detail),
        Kind::Channel => format!("channel {}", s.name),
    }
}

/// A metric's type, from the checked program (or the last one that
/// checked, while the rules have errors).
fn metric_type(analysis: &Analysis, name: &str) -> Option<String> {
    let program = analysis.program.as_ref()?;
    let metric = program.metrics.iter().find(|m| m.name == name)?;
    Some(program.schema.type_name(&metric.ty))
}
