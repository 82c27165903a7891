//! Go to definition, find references, rename and the outline of a file.

use std::collections::HashMap;

use lsp_types::{DocumentSymbol, Location, Range, SymbolKind, TextEdit, Uri, WorkspaceEdit};

use super::index::Kind;
use super::workspace::{path_to_uri, Analysis};
use crate::check::KEYWORDS;
use crate::syntax::ast::{Item, SchemaEntry};
use crate::syntax::{FileId, Span};

/// Where the name under `offset` is defined.
pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let occurrence = analysis.index.at(file, offset)?;
    let symbol = analysis.index.symbols.get(occurrence.symbol)?;
    analysis.location(symbol.name_span)
}

/// Every place the name under `offset` is written.
pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(occurrence) = analysis.index.at(file, offset) else {
        return Vec::new();
    };
    let definition = analysis
        .index
        .symbols
        .get(occurrence.symbol)
        .map(|s| s.name_span);
    analysis
        .index
        .occurrences_of(occurrence.symbol)
        .filter(|o| include_declaration || Some(o.span) != definition)
        .filter_map(|o| analysis.location(o.span))
        .collect()
}

/// The kinds of names that can be renamed: the ones the rules define
/// (schema names are the snapshot's keys and stay as they are).
const RENAMABLE: [Kind; 3] = [Kind::Segment, Kind::Metric, Kind::Rule];

/// The range of the renamable name under `offset`.
pub fn prepare_rename(analysis: &Analysis, file: FileId, offset: usize) -> Result<Range, String> {
    let occurrence = analysis
        .index
        .at(file, offset)
        .ok_or("there is no name here")?;
    let symbol = analysis
        .index
        .symbols
        .get(occurrence.symbol)
        .ok_or("there is no name here")?;
    if !RENAMABLE.contains(&symbol.kind) {
        return Err(format!(
            "only segments, metrics and rules can be renamed; `{}` is {} {}",
            symbol.name,
            if symbol.kind == Kind::Attribute || symbol.kind == Kind::Event {
                "an"
            } else {
                "a"
            },
            symbol.kind.word()
        ));
    }
    Ok(analysis.range(occurrence.span))
}

/// Renames a segment, metric or rule in every file of the ruleset.
// `WorkspaceEdit` keys its changes by `Uri`, which caches its parse inside;
// the key is never mutated here.
#[allow(clippy::mutable_key_type)]
pub fn rename(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    prepare_rename(analysis, file, offset)?;
    let symbol_index = analysis
        .index
        .at(file, offset)
        .map(|o| o.symbol)
        .ok_or("there is no name here")?;
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{new_name}` is not a name: use letters, digits and `_`, not starting with a digit"
        ));
    }
    if KEYWORDS.contains(&new_name) {
        return Err(format!("`{new_name}` is a reserved word"));
    }
    if let Some(taken) = analysis
        .index
        .symbols
        .iter()
        .find(|s| s.name == new_name && s.container.is_none() && s.kind != Kind::Channel)
    {
        return Err(format!(
            "`{new_name}` is already the name of a {}",
            taken.kind.word()
        ));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for o in analysis.index.occurrences_of(symbol_index) {
        if let Some(location) = analysis.location(o.span) {
            changes
                .entry(location.uri)
                .or_default()
                .push(TextEdit::new(location.range, new_name.to_string()));
        }
    }
    Ok(WorkspaceEdit::new(changes))
}

/// The outline of one file: the schema with its attributes and events, the
/// policy, segments, metrics, rules and suppressions.
pub fn document_symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let Some(ast) = analysis.ast(file) else {
        return Vec::new();
    };
    let node = |name: &str, detail: &str, kind, span: Span, name_span: Span, children| {
        #[allow(deprecated)] // `deprecated` is a required field of the type
        DocumentSymbol {
            name: name.to_string(),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            kind,
            tags: None,
            deprecated: None,
            range: analysis.range(span),
            selection_range: analysis.range(name_span),
            children,
        }
    };
    let detail = |kind, name: &str| {
        analysis
            .index
            .lookup(kind, None, name)
            .map(|s| s.detail.clone())
            .unwrap_or_default()
    };
    ast.items
        .iter()
        .map(|item| match item {
            Item::Schema(schema) => {
                let children = schema
                    .entries
                    .iter()
                    .map(|entry| match entry {
                        SchemaEntry::Attribute(f) => node(
                            &f.name.name,
                            &detail(Kind::Attribute, &f.name.name),
                            SymbolKind::FIELD,
                            f.span,
                            f.name.span,
                            None,
                        ),
                        SchemaEntry::Event(e) => node(
                            &e.name.name,
                            "event",
                            SymbolKind::EVENT,
                            e.span,
                            e.name.span,
                            None,
                        ),
                    })
                    .collect();
                node(
                    "schema",
                    "",
                    SymbolKind::STRUCT,
                    schema.span,
                    schema.keyword,
                    Some(children),
                )
            }
            Item::Policy(policy) => node(
                "policy",
                "",
                SymbolKind::OBJECT,
                policy.span,
                policy.keyword,
                None,
            ),
            Item::Segment(d) => node(
                &d.name.name,
                "segment",
                SymbolKind::BOOLEAN,
                d.span,
                d.name.span,
                None,
            ),
            Item::Metric(d) => node(
                &d.name.name,
                "metric",
                SymbolKind::NUMBER,
                d.span,
                d.name.span,
                None,
            ),
            Item::Rule(r) => node(
                &r.name.name,
                "rule",
                SymbolKind::FUNCTION,
                r.span,
                r.name.span,
                None,
            ),
            Item::Suppress(s) => node(
                &s.name.name,
                "suppress",
                SymbolKind::EVENT,
                s.span,
                s.name.span,
                None,
            ),
        })
        .collect()
}

/// The URI of a file of the analysis (for edits).
pub fn uri(analysis: &Analysis, file: FileId) -> Option<Uri> {
    path_to_uri(analysis.path(file)?)
}
