//! The `nudge._nudge` Python extension: the nudge library behind a Pythonic
//! API (see `python/nudge/__init__.py` and docs/python.md). It evaluates
//! with the library and never re-implements it: records are the library's
//! serialization, diagnostics the library's reports.

mod batch;
mod convert;
mod errors;
mod ruleset;

use pyo3::prelude::*;

#[pymodule]
fn _nudge(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<ruleset::Ruleset>()?;
    m.add_function(wrap_pyfunction!(ruleset::from_sources, m)?)?;
    m.add("RulesetError", py.get_type::<errors::RulesetError>())?;
    m.add("SnapshotError", py.get_type::<errors::SnapshotError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
