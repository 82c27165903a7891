//! The pest parser, the syntax tree and the formatter: everything about rule
//! files as text, before any meaning is given to them. Files and spans live
//! one layer below, in [`source`](crate::source), and are re-exported here.

pub mod ast;
pub mod canonical;
pub mod format;
mod grammar;
mod parse;
mod parse_error;
mod prescan;

pub use crate::source::{FileId, Location, SourceFile, SourceSet, Span};
pub use parse::parse_file;
