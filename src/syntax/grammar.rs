//! The pest grammar (`grammar/nudge.pest`) compiled into a parser: the
//! [`NudgeParser`] and its [`Rule`] kinds, shared by the tree builder and the
//! syntax-error describer so that neither imports the other.

/// The parser generated from `grammar/nudge.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/nudge.pest"]
pub(crate) struct NudgeParser;
