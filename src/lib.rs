//! nudge: a declarative rules engine for lifecycle messaging.
//!
//! Rule files are parsed ([`syntax`]), checked against the customer schema
//! into a [`Program`](program::Program) ([`check`]), evaluated over customer
//! snapshots ([`eval`]) and arbitrated into audited decisions
//! ([`arbitrate`], [`decision`]).

pub mod check;
pub mod diagnostic;
pub mod program;
pub mod ruleset;
pub mod syntax;
pub mod value;

pub use ruleset::{LoadError, Ruleset};

pub mod arbitrate;
pub mod decision;
pub mod eval;
pub mod gen;
#[cfg(feature = "server")]
pub mod serve;
pub mod snapshot;
#[cfg(feature = "cli")]
pub mod testing;
