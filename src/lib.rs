//! nudge: a declarative rules engine for lifecycle messaging.
//!
//! Growth teams write rules in `.nudge` files; nudge checks them against a
//! typed customer schema, evaluates them over customer snapshots and returns
//! **audited decisions**: who gets which message on which channel, and for
//! everyone else why not.
//!
//! The library is the product; the `nudge` command line and `nudge serve`
//! are clients of this same API. Load a [`Ruleset`] once (it is cheap to
//! clone and `Send + Sync`), then evaluate customers from any thread:
//!
//! ```
//! use nudge::decision::Outcome;
//! use nudge::Ruleset;
//!
//! let ruleset = Ruleset::from_sources([(
//!     "rules.nudge",
//!     r#"
//!     schema {
//!       plan: "trial" | "pro"
//!       first_name: string?
//!       event imported_data
//!     }
//!     policy { channels email }
//!     rule import_guide {
//!       when plan == "trial" and never imported_data
//!       send email "import_guide" with { name: first_name ?? "there" }
//!       cooldown 14 days
//!     }
//!     "#,
//! )])?;
//!
//! let customer = ruleset.read_customer(r#"{"id": "c1", "plan": "trial", "first_name": "Ada"}"#)?;
//! let now = "2026-11-23T09:00:00Z".parse()?;
//! let decisions = ruleset.evaluate(&customer, now);
//!
//! assert_eq!(decisions.len(), 1);
//! assert_eq!(decisions[0].outcome, Outcome::Send);
//! assert_eq!(decisions[0].params.as_ref().unwrap()["name"], "Ada");
//! // Why: every condition with the values it read.
//! assert_eq!(decisions[0].because[1].read, ["count(imported_data) = 0"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A ruleset with mistakes is refused with every diagnostic, each a
//! `miette` report with the file, line, column and a fix:
//!
//! ```
//! let error = nudge::Ruleset::from_sources([(
//!     "rules.nudge",
//!     "schema { plan: string }\npolicy { channels email }\n\
//!      rule r { when plann == \"trial\" send email \"m\" cooldown 1 day }",
//! )])
//! .unwrap_err();
//! let report = &error.reports()[0];
//! assert!(report.to_string().starts_with("rules.nudge:3:15: unknown name `plann`"));
//! let help = miette::Diagnostic::help(report).unwrap().to_string();
//! assert_eq!(help, "did you mean `plan`?");
//! ```
//!
//! The data flows through one module per step: rule files are parsed
//! ([`syntax`]), checked into a [`Program`](program::Program) ([`check`]),
//! snapshots are read into the schema's slots ([`snapshot`]), expressions
//! are evaluated ([`eval`]) and arbitrated into decisions ([`arbitrate`],
//! [`decision`]). [`batch`] streams whole files of customers through a
//! ruleset in parallel, in input order, into any [`batch::Sink`]; `nudge
//! eval`, the server's batch route and the examples all run it. The loop
//! closes with earlier decision logs as message history ([`history`]) and
//! the lift report of each rule's goal ([`report`]).
//!
//! Cargo features: `cli` (default) builds the `nudge` tool and the rule test
//! runner ([`testing`]); `gen` the synthetic customer generator; `server`
//! the HTTP server; `lsp` the language server (`nudge lsp`);
//! `parallel` (part of `cli`) the rayon pool of the batch engine. With
//! `default-features = false` the library depends only on pest, serde,
//! serde_json, serde_yaml, chrono, chrono-tz, miette, sha2, strsim,
//! thiserror, memchr and libm.

// Library code never indexes with `[]` on input-dependent data (Cedar does
// the same): `.get()` and a fallback instead of a panic.
#![deny(clippy::indexing_slicing)]
#![warn(missing_docs)]

pub mod arbitrate;
pub mod atomic_file;
pub mod batch;
pub mod check;
pub mod decision;
pub mod deep_stack;
pub mod diagnostic;
pub mod diff;
pub mod digest;
pub mod eval;
#[cfg(feature = "gen")]
pub mod gen;
pub mod history;
pub mod instant;
mod json_text;
pub mod lines;
#[cfg(feature = "lsp")]
pub mod lsp;
mod markup;
pub mod program;
pub mod report;
pub mod ruleset;
#[cfg(feature = "server")]
pub mod serve;
pub mod snapshot;
pub mod source;
pub mod syntax;
pub mod terminal;
#[cfg(feature = "cli")]
pub mod testing;
pub mod value;
mod visitor;

pub use decision::{Decision, Evaluation, Outcome};
pub use ruleset::{LoadError, Ruleset};
pub use snapshot::{Customer, RejectedInput};
