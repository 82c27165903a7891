//! The exceptions: `RulesetError` (rules that do not load, with the same
//! diagnostic text as `nudge check`) and `SnapshotError` (a customer that
//! cannot be read).

use miette::{GraphicalReportHandler, GraphicalTheme, ThemeCharacters, ThemeStyles};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert;

create_exception!(
    _nudge,
    RulesetError,
    PyException,
    "The rules could not be loaded: the message is what `nudge check` prints; `.diagnostics` lists them as dicts."
);
create_exception!(
    _nudge,
    SnapshotError,
    PyValueError,
    "A customer snapshot could not be read (the reason `nudge eval` reports for its line)."
);

/// `RulesetError` for a load error, its message rendered as `nudge check`
/// prints it when its output is not a terminal (unicode, no colour, 80
/// columns), and `.diagnostics` as dicts.
pub fn load_error(py: Python<'_>, error: &nudge::LoadError) -> PyErr {
    let (message, diagnostics) = match error {
        nudge::LoadError::Invalid {
            sources,
            diagnostics,
        } => {
            let handler = GraphicalReportHandler::new_themed(GraphicalTheme {
                characters: ThemeCharacters::unicode(),
                styles: ThemeStyles::none(),
            })
            .with_width(80)
            .with_links(false);
            let mut text = String::new();
            for d in diagnostics {
                let mut one = String::new();
                if handler
                    .render_report(&mut one, &d.to_report(sources))
                    .is_err()
                {
                    one = d.to_report(sources).to_string();
                }
                text.push_str(&one);
                text.push('\n');
            }
            let dicts: Vec<_> = diagnostics.iter().map(|d| d.to_json(sources)).collect();
            (text.trim_end().to_string(), dicts)
        }
        other => (other.to_string(), Vec::new()),
    };
    let err = RulesetError::new_err(message);
    let list = diagnostics
        .iter()
        .map(|d| convert::serialize(py, d))
        .collect::<PyResult<Vec<_>>>()
        .and_then(|items| PyList::new(py, items));
    match list.and_then(|l| err.value(py).setattr("diagnostics", l)) {
        Ok(()) => err,
        Err(e) => e,
    }
}
