//! Formatting (`nudge fmt`'s layout) and quick fixes for diagnostics: the
//! "did you mean" replacement, a default or a guard for a value that may be
//! missing, a cooldown for a rule without one, removing a needless default.
//! Fixes are computed from the diagnostic's code and span and the syntax
//! tree, never from its text.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, TextEdit, WorkspaceEdit};

use super::completion::compared_enum;
use super::index::Kind;
use super::workspace::Analysis;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, Item, RuleClauseKind};
use crate::syntax::format::format_source;
use crate::syntax::{FileId, Span};

/// Expressions nest at most this deep before a search stops.
const MAX_DEPTH: usize = 200;

/// The whole file in `nudge fmt`'s layout, as one edit (none when the file
/// is already formatted or does not parse).
pub fn formatting(analysis: &Analysis, file: FileId) -> Option<Vec<TextEdit>> {
    let text = analysis.text(file);
    let formatted = format_source(file, text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let range = analysis.range(Span::new(file, 0, text.len()));
    Some(vec![TextEdit::new(range, formatted)])
}

/// Quick fixes for the diagnostics overlapping `start..end`.
pub fn code_actions(
    analysis: &Analysis,
    file: FileId,
    start: usize,
    end: usize,
) -> Vec<CodeActionOrCommand> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.span.file == file && d.span.start <= end && start <= d.span.end)
        .flat_map(|d| {
            fixes(analysis, d)
                .into_iter()
                .map(move |(title, edits)| action(analysis, d, title, edits))
        })
        .collect()
}

// `WorkspaceEdit` keys its changes by `Uri`, which caches its parse inside;
// the key is never mutated here.
#[allow(clippy::mutable_key_type)]
fn action(
    analysis: &Analysis,
    d: &Diagnostic,
    title: String,
    edits: Vec<(Span, String)>,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    if let Some(uri) = super::navigate::uri(analysis, d.span.file) {
        let edits = edits
            .into_iter()
            .map(|(span, text)| TextEdit::new(analysis.range(span), text))
            .collect();
        changes.insert(uri, edits);
    }
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![super::diagnostics::to_lsp(analysis, d)]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: Some(true),
        ..CodeAction::default()
    })
}

/// The fixes of one diagnostic: a title and the edits.
fn fixes(analysis: &Analysis, d: &Diagnostic) -> Vec<(String, Vec<(Span, String)>)> {
    let written = analysis.sources.slice(d.span);
    let index = &analysis.index;
    let names = |kinds: &[Kind]| -> Vec<String> {
        index
            .symbols
            .iter()
            .filter(|s| kinds.contains(&s.kind) && s.container.is_none())
            .map(|s| s.name.clone())
            .collect()
    };
    let replace = |candidates: Vec<String>, quoted: bool| {
        let bare = if quoted {
            written.trim_matches('"')
        } else {
            written
        };
        did_you_mean(bare, candidates.iter().map(String::as_str))
            .map(|s| {
                let new = if quoted {
                    crate::syntax::canonical::string(s)
                } else {
                    s.to_string()
                };
                vec![(format!("replace with {new}"), vec![(d.span, new)])]
            })
            .unwrap_or_default()
    };
    match d.code {
        Code::UnknownName => {
            let mut candidates = names(&[Kind::Attribute, Kind::Segment, Kind::Metric]);
            if let Some(event) = where_event_at(analysis, d.span) {
                candidates.extend(index.properties(&event).map(|p| p.name.clone()));
            }
            replace(candidates, false)
        }
        Code::UnknownEvent => replace(names(&[Kind::Event]), false),
        Code::UnknownChannel => replace(names(&[Kind::Channel]), false),
        Code::UnknownProperty | Code::UnknownField => {
            let owner = container_before(analysis, d.span);
            let kind = if d.code == Code::UnknownField {
                Kind::Field
            } else {
                Kind::Property
            };
            let candidates = index
                .symbols
                .iter()
                .filter(|s| s.kind == kind && s.container == owner)
                .map(|s| s.name.clone())
                .collect();
            replace(candidates, false)
        }
        Code::UnknownEnumValue => {
            let text = analysis.text(d.span.file);
            compared_enum(analysis, text, d.span.start)
                .map(|members| replace(members, true))
                .unwrap_or_default()
        }
        Code::Optional => optional_fixes(analysis, d.span, written),
        Code::NoCooldown => cooldown_fix(analysis, d.span),
        Code::NeedlessDefault => find_expr(analysis, d.span.file, &|e| match &e.kind {
            ExprKind::Default(a, b) if b.span == d.span => {
                Some(Span::new(d.span.file, a.span.end, b.span.end))
            }
            _ => None,
        })
        .map(|span| {
            vec![(
                "remove the default".to_string(),
                vec![(span, String::new())],
            )]
        })
        .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `k ?? default` and `k is present and …` for a value that may be missing.
fn optional_fixes(
    analysis: &Analysis,
    span: Span,
    written: &str,
) -> Vec<(String, Vec<(Span, String)>)> {
    let mut out = Vec::new();
    if let Some(default) = default_for(analysis, span, written) {
        let new = format!("({written} ?? {default})");
        out.push((
            format!("give a default: `{written} ?? {default}`"),
            vec![(span, new)],
        ));
    }
    // The guard goes before the top-level conjunct of the `when` holding it.
    let whens: Vec<&Expr> = analysis
        .ast(span.file)
        .map(|ast| {
            ast.items
                .iter()
                .flat_map(|item| match item {
                    Item::Rule(r) => r
                        .clauses
                        .iter()
                        .filter_map(|c| match &c.kind {
                            RuleClauseKind::When(e) => Some(e),
                            _ => None,
                        })
                        .collect(),
                    Item::Suppress(s) => vec![&s.when],
                    _ => Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    let conjunct = whens
        .into_iter()
        .flat_map(|w| w.conjuncts())
        .find(|c| contains(c.span, span) && c.span != span);
    if let Some(c) = conjunct {
        out.push((
            format!("guard it: `{written} is present and …`"),
            vec![(
                Span::new(span.file, c.span.start, c.span.start),
                format!("{written} is present and "),
            )],
        ));
    }
    out
}

/// A default for the value at `span`: a required attribute of the same type,
/// or a literal of that type.
fn default_for(analysis: &Analysis, span: Span, written: &str) -> Option<String> {
    let index = &analysis.index;
    let ty = match index
        .at(span.file, span.end)
        .and_then(|o| index.symbols.get(o.symbol))
    {
        Some(s) if matches!(s.kind, Kind::Attribute | Kind::Field | Kind::Property) => {
            s.detail.trim_end_matches('?').to_string()
        }
        _ if written.starts_with("last(") || written.starts_with("first(") => "time".to_string(),
        _ => return None,
    };
    if let Some(a) = index
        .of_kind(Kind::Attribute)
        .find(|a| a.detail == ty && a.name != written)
    {
        return Some(a.name.clone());
    }
    Some(
        match ty.as_str() {
            "string" => "\"\"",
            "int" => "0",
            "number" => "0.0",
            "bool" => "false",
            "time" => "now",
            _ if ty.starts_with('"') => return ty.split('|').next().map(|m| m.trim().to_string()),
            _ => return None,
        }
        .to_string(),
    )
}

/// `cooldown 7 days` after the last clause of the rule named at `span`.
fn cooldown_fix(analysis: &Analysis, span: Span) -> Vec<(String, Vec<(Span, String)>)> {
    let Some(ast) = analysis.ast(span.file) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .find_map(|item| match item {
            Item::Rule(rule) if rule.name.span == span => rule.clauses.last().map(|c| c.span.end),
            _ => None,
        })
        .map(|end| {
            let at = Span::new(span.file, end, end);
            vec![(
                "add `cooldown 7 days`".to_string(),
                vec![(at, "\n  cooldown 7 days".to_string())],
            )]
        })
        .unwrap_or_default()
}

/// The event whose `where` filter holds `span`.
fn where_event_at(analysis: &Analysis, span: Span) -> Option<String> {
    find_expr(analysis, span.file, &|e| match &e.kind {
        ExprKind::Aggregate {
            event,
            filter: Some(f),
            ..
        } if contains(f.span, span) => Some(event.name.clone()),
        _ => None,
    })
}

/// The name before the `.` in front of `span` (`watched.minuts` → `watched`).
fn container_before(analysis: &Analysis, span: Span) -> Option<String> {
    let text = analysis.text(span.file);
    let head = text.get(..span.start)?.strip_suffix('.')?;
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    head.get(start..).map(str::to_string)
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The first answer of `f` over the expressions of a file, outermost first.
fn find_expr<T>(analysis: &Analysis, file: FileId, f: &dyn Fn(&Expr) -> Option<T>) -> Option<T> {
    let ast = analysis.ast(file)?;
    ast.items.iter().find_map(|item| {
        let roots: Vec<&Expr> = match item {
            Item::Segment(d) | Item::Metric(d) => vec![&d.expr],
            Item::Suppress(s) => vec![&s.when],
            Item::Rule(r) => r
                .clauses
                .iter()
                .flat_map(|c| match &c.kind {
                    RuleClauseKind::When(e) => vec![e],
                    RuleClauseKind::Send(s) => s.params.iter().map(|p| &p.value).collect(),
                    _ => Vec::new(),
                })
                .collect(),
            Item::Schema(_) | Item::Policy(_) => Vec::new(),
        };
        roots.into_iter().find_map(|e| search(e, f, 0))
    })
}

fn search<T>(e: &Expr, f: &dyn Fn(&Expr) -> Option<T>, depth: usize) -> Option<T> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(found) = f(e) {
        return Some(found);
    }
    e.children()
        .into_iter()
        .find_map(|c| search(c, f, depth + 1))
}
