//! `nudge.Ruleset`: a checked ruleset held by Python, evaluating single
//! customers (records as dicts) and batches (Arrow in, Arrow out).

use std::collections::BTreeMap;

use arrow_array::{make_array, Array, ArrayRef};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::batch;
use crate::convert;
use crate::errors::{load_error, SnapshotError};

/// A checked ruleset, ready to evaluate: load it once, evaluate any number
/// of customers from any thread. Picklable (by its source texts), so Spark
/// can ship it to executors.
#[pyclass(module = "nudge._nudge", frozen)]
pub struct Ruleset {
    inner: nudge::Ruleset,
}

#[pymethods]
impl Ruleset {
    /// Loads and checks every `.nudge` file under the directory `path`.
    /// Raises `RulesetError` (with every diagnostic) when the rules have
    /// errors or cannot be read.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Ruleset> {
        let loaded = py.detach(|| nudge::Ruleset::load(&path));
        loaded
            .map(|inner| Ruleset { inner })
            .map_err(|e| load_error(py, &e))
    }

    /// Builds a ruleset from `{name: text}`, where a name is the path
    /// relative to the ruleset directory (it feeds the hash and the
    /// diagnostics). Raises `RulesetError` when the rules have errors.
    #[staticmethod]
    fn from_sources(py: Python<'_>, sources: BTreeMap<String, String>) -> PyResult<Ruleset> {
        from_sources(py, sources)
    }

    /// SHA-256 of the ruleset's files, as in every decision's `ruleset`.
    #[getter]
    fn hash(&self) -> &str {
        self.inner.hash()
    }

    /// The rule names, in arbitration order.
    #[getter]
    fn rules(&self) -> Vec<String> {
        self.inner
            .program()
            .rules
            .iter()
            .map(|r| r.name.clone())
            .collect()
    }

    /// The source files, `{name: text}`.
    #[getter]
    fn sources(&self) -> BTreeMap<String, String> {
        self.inner
            .sources()
            .files()
            .map(|(_, f)| (f.name.clone(), f.text.to_string()))
            .collect()
    }

    /// The checker's warnings, as dicts (file, line, column, code, message, help, ...).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let sources = self.inner.sources();
        let items = self
            .inner
            .warnings()
            .iter()
            .map(|d| convert::serialize(py, &d.to_json(sources)))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// The decision records (dicts, as `nudge eval` writes them) for one
    /// customer (a dict or a JSON string) at `now` (an aware datetime or an
    /// RFC 3339 string). Raises `SnapshotError` when the customer cannot
    /// be read.
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        customer: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.records(py, customer, now, false)
    }

    /// Like `evaluate`, with a `no_match` record for every other rule (its
    /// `because` shows the failing condition), as `nudge eval --explain`.
    fn explain<'py>(
        &self,
        py: Python<'py>,
        customer: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.records(py, customer, now, true)
    }

    /// Evaluates many snapshot lines (a pyarrow string array or chunked
    /// array, or any iterable of str) and returns a `pyarrow.Table` with
    /// one row per decision and one per rejected line.
    #[pyo3(signature = (lines, now, *, explain = false, threads = None))]
    fn evaluate_batch<'py>(
        &self,
        py: Python<'py>,
        lines: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
        explain: bool,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if threads == Some(0) {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let now = convert::now(now)?;
        let chunks = arrow_chunks(lines)?;
        let owned: Vec<String>;
        let ruleset = &self.inner;
        let batch = match chunks {
            Some(chunks) => py.detach(|| {
                let mut first = 1u64;
                let mut all = Vec::new();
                for chunk in &chunks {
                    all.extend(batch::lines_of(chunk.as_ref(), first)?);
                    first += chunk.len() as u64;
                }
                let results = batch::evaluate_lines(ruleset, &all, now, explain, threads)?;
                batch::to_record_batch(&results)
            }),
            None => {
                owned = python_strings(lines)?;
                py.detach(|| {
                    let numbered = owned.iter().zip(1u64..).map(|(s, i)| (i, s.as_str()));
                    let all: Vec<(u64, &str)> = numbered.collect();
                    let results = batch::evaluate_lines(ruleset, &all, now, explain, threads)?;
                    batch::to_record_batch(&results)
                })
            }
        }
        .map_err(PyValueError::new_err)?;
        let pyarrow = py.import("pyarrow")?;
        let record_batch = batch.to_pyarrow(py)?;
        pyarrow
            .getattr("Table")?
            .call_method1("from_batches", (vec![record_batch],))
    }

    /// The columns of `evaluate_batch`'s table, as a `pyarrow.Schema`.
    #[staticmethod]
    fn batch_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        batch::schema().to_pyarrow(py)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Unpickle<'py>> {
        let module = py.import("nudge._nudge")?;
        Ok((module.getattr("_from_sources")?, (self.sources(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<nudge.Ruleset {} rules, {}>",
            self.inner.program().rules.len(),
            self.inner.hash().get(..12).unwrap_or_default()
        )
    }
}

impl Ruleset {
    fn records<'py>(
        &self,
        py: Python<'py>,
        customer: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
        explain: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let now = convert::now(now)?;
        let read = if let Ok(text) = customer.cast::<PyString>() {
            self.inner.read_customer(&text.to_cow()?)
        } else if customer.cast::<PyDict>().is_ok() {
            self.inner.read_customer_value(&convert::to_json(customer)?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "a customer is a dict or a JSON string, not {}",
                customer.get_type().name()?
            )));
        };
        let customer = read.map_err(|e| SnapshotError::new_err(e.to_string()))?;
        let decisions = if explain {
            self.inner.evaluate_with_explain(&customer, now).decisions
        } else {
            self.inner.evaluate(&customer, now)
        };
        let items = decisions
            .iter()
            .map(|d| convert::serialize(py, d))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

/// How a pickled ruleset is rebuilt: `_from_sources(sources)`.
type Unpickle<'py> = (Bound<'py, PyAny>, (BTreeMap<String, String>,));

/// `Ruleset.from_sources`, also the unpickling constructor.
#[pyfunction]
#[pyo3(name = "_from_sources")]
pub fn from_sources(py: Python<'_>, sources: BTreeMap<String, String>) -> PyResult<Ruleset> {
    let loaded = py.detach(|| nudge::Ruleset::from_sources(sources));
    loaded
        .map(|inner| Ruleset { inner })
        .map_err(|e| load_error(py, &e))
}

/// The chunks of a pyarrow `Array` or `ChunkedArray` (anything with
/// `__arrow_c_array__`, or `chunks` of such), or `None` for other iterables.
fn arrow_chunks(lines: &Bound<'_, PyAny>) -> PyResult<Option<Vec<ArrayRef>>> {
    let one = |array: &Bound<'_, PyAny>| -> PyResult<ArrayRef> {
        let array = make_array(arrow_data::ArrayData::from_pyarrow_bound(array)?);
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(array),
            other => Err(PyTypeError::new_err(format!(
                "snapshot lines must be an Arrow string array, not {other}"
            ))),
        }
    };
    if lines.hasattr("__arrow_c_array__")? {
        return Ok(Some(vec![one(lines)?]));
    }
    if lines.hasattr("chunks")? && lines.hasattr("__arrow_c_stream__")? {
        let chunks = lines
            .getattr("chunks")?
            .try_iter()?
            .map(|c| one(&c?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Some(chunks));
    }
    Ok(None)
}

/// Lines from any iterable of `str`.
fn python_strings(lines: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if lines.cast::<PyString>().is_ok() {
        return Err(PyTypeError::new_err(
            "lines is one string; pass a list of lines (e.g. text.splitlines())",
        ));
    }
    lines
        .try_iter()?
        .map(|item| {
            let item = item?;
            item.cast::<PyString>()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "lines must be strings, not {}",
                        item.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    ))
                })?
                .to_cow()
                .map(|s| s.into_owned())
        })
        .collect()
}
