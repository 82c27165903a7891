//! `nudge check`'s diagnostics as LSP diagnostics: the same code, message,
//! span and help (the help, "did you mean" included, is the message's second
//! line), warnings as warnings, and the related places (a first definition,
//! the other members of a cycle) as related information.

use std::path::PathBuf;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, PublishDiagnosticsParams,
};

use super::workspace::{path_to_uri, Analysis};
use crate::diagnostic::{Diagnostic, Severity};

/// One LSP diagnostic.
pub fn to_lsp(analysis: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|(span, label)| {
            Some(DiagnosticRelatedInformation {
                location: analysis.location(*span)?,
                message: label.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: analysis.range(d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("nudge".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

/// The diagnostics of every file of the ruleset (an empty list for a clean
/// file, so that old ones go away).
pub fn publish_all(analysis: &Analysis) -> Vec<(PathBuf, PublishDiagnosticsParams)> {
    analysis
        .sources
        .files()
        .filter_map(|(id, _)| {
            let path = analysis.path(id)?.to_path_buf();
            let uri = path_to_uri(&path)?;
            let diagnostics = analysis
                .diagnostics
                .iter()
                .filter(|d| d.span.file == id)
                .map(|d| to_lsp(analysis, d))
                .collect();
            Some((
                path,
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version: None,
                },
            ))
        })
        .collect()
}
