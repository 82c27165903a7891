//! Records that are not customers, as typed values: why ([`Rejection`])
//! and where ([`Rejected`]).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::snapshot::RejectedInput;

/// Why a record was rejected (it is counted, reported, and the run goes on).
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum Rejection {
    /// The line's bytes are not UTF-8.
    #[error("not valid UTF-8")]
    #[diagnostic(help("save the file as UTF-8"))]
    NotUtf8,
    /// Not a customer: bad JSON or YAML, not an object, no `id`.
    #[error("{0}")]
    NotACustomer(#[from] RejectedInput),
    /// A customer id already seen earlier in the run.
    #[error("duplicate customer id `{id}`, first at {first}")]
    #[diagnostic(help("give every customer one snapshot per run"))]
    Duplicate {
        /// The repeated id.
        id: String,
        /// Where it was seen first (`file:line`).
        first: String,
    },
    /// The run's duplicate check cannot take this customer (its temporary
    /// id file is unreadable, or full at 32 GiB of ids).
    #[error("cannot check customer id `{id}` for duplicates: {reason}")]
    #[diagnostic(help(
        "split the input over runs of fewer customers, or free the temporary directory"
    ))]
    DuplicateCheck {
        /// The id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The line is longer than the caller's limit.
    #[error("line is longer than the limit of {limit} bytes")]
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A reason of the caller's step (e.g. history that cannot be merged).
    #[error("{0}")]
    Other(String),
}

/// How a record is numbered in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// The line number (NDJSON).
    Line,
    /// The 1-based position of the customer (JSON arrays, YAML).
    Customer,
}

/// A rejected record: the input's name, its number there, and why.
/// Displayed as `file:line: why` (or `file: customer #n: why`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The input's name.
    pub input: Arc<str>,
    /// The line number, or the customer's position (see `unit`).
    pub line: u64,
    /// What `line` counts.
    pub unit: Unit,
    /// Why.
    pub reason: Rejection,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            Unit::Line => write!(f, "{}:{}: {}", self.input, self.line, self.reason),
            Unit::Customer => write!(
                f,
                "{}: customer #{}: {}",
                self.input, self.line, self.reason
            ),
        }
    }
}

impl std::error::Error for Rejected {}
