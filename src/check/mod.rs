//! From syntax trees to a [`Program`]: name resolution, types,
//! optional-safety with narrowing, cycles between segments and metrics, and
//! lints. Every problem becomes a [`Diagnostic`]; all of them are reported.

mod definitions;
mod delivery;
mod division;
mod expr;
mod goal;
mod lints;
mod names;
mod policy;
mod rules;
mod satisfiable;
mod schema;
mod suppressions;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::program::{self, Program, Schema, Type};
use crate::syntax::ast::{self, Item};
use crate::syntax::{FileId, Span};

/// Words that cannot name anything (`docs/language.md#lexical-rules`).
pub const KEYWORDS: [&str; 42] = [
    "and", "or", "not", "in", "is", "missing", "present", "older", "than", "within", "never", "at",
    "least", "times", "sent", "now", "true", "false", "rule", "segment", "metric", "schema",
    "policy", "event", "suppress", "when", "send", "with", "priority", "cooldown", "holdout",
    "tags", "describe", "for", "channel", "tag", "id", "events", "messages", "if", "then", "else",
];

/// Snapshot keys that are not attributes.
const RESERVED_KEYS: [&str; 3] = ["id", "events", "messages"];

/// Checks the parsed files of a ruleset. Returns the program when there is
/// no error, and every diagnostic (errors and warnings) either way.
pub fn check(files: &[(FileId, &ast::FileAst)]) -> (Option<Program>, Vec<Diagnostic>) {
    let mut checker = Checker::default();
    let items: Vec<&Item> = files.iter().flat_map(|(_, f)| f.items.iter()).collect();
    let first_file = files.first().map(|(id, _)| *id).unwrap_or_default();
    checker.schema(&items, first_file);
    checker.schema.index_names();
    checker.names(&items);
    checker.policy(&items);
    checker.definitions();
    let rules = checker.rules(&items);
    let suppressions = checker.suppressions(&items);
    lints::run(&mut checker, &items);
    let has_errors = checker.diags.iter().any(Diagnostic::is_error);
    let Checker {
        schema,
        segments,
        metrics,
        policy,
        mut diags,
        ..
    } = checker;
    diags.sort_by_key(|d| (d.span.file, d.span.start));
    if has_errors {
        return (None, diags);
    }
    let mut rules = rules;
    rules.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    let finish = |defs: Vec<Def>| -> Vec<program::Definition> {
        defs.into_iter()
            .filter_map(|d| match d.state {
                DefState::Done(ty, expr) => Some(program::Definition {
                    name: d.name,
                    ty,
                    expr,
                    text: d.text,
                }),
                _ => None,
            })
            .collect()
    };
    let program = Program {
        schema,
        segments: finish(segments),
        metrics: finish(metrics),
        rules,
        suppressions,
        policy,
    };
    (Some(program), diags)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Segment,
    Metric,
    Rule,
    Suppression,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            NameKind::Segment => "segment",
            NameKind::Metric => "metric",
            NameKind::Rule => "rule",
            NameKind::Suppression => "suppression",
        }
    }
}

#[derive(Debug, Clone)]
enum DefState {
    Unchecked,
    InProgress,
    Done(Type, program::Expr),
    Failed,
}

/// A segment or metric being checked.
#[derive(Debug, Clone)]
struct Def {
    name: String,
    name_span: Span,
    expr: ast::Expr,
    text: String,
    state: DefState,
    uses: usize,
}

#[derive(Default)]
struct Checker {
    diags: Vec<Diagnostic>,
    schema: Schema,
    policy: program::Policy,
    has_policy: bool,
    channel_spans: Vec<Span>,
    /// Global names: segments, metrics, rules, suppressions.
    names: HashMap<String, (NameKind, Span)>,
    segments: Vec<Def>,
    metrics: Vec<Def>,
    /// Definitions being checked, for cycle reports.
    def_stack: Vec<(bool, usize)>,
    /// Whether the policy has an `activity` clause (even a broken one).
    activity_declared: bool,
}

/// The blocks a ruleset has once: `schema` exactly once, `policy` at most
/// once.
#[derive(Debug, Clone, Copy)]
enum Single {
    Schema,
    Policy,
}

impl Single {
    /// Where the block's keyword is written, if `item` is such a block.
    fn keyword(self, item: &Item) -> Option<Span> {
        match (self, item) {
            (Single::Schema, Item::Schema(s)) => Some(s.keyword),
            (Single::Policy, Item::Policy(p)) => Some(p.keyword),
            _ => None,
        }
    }

    /// The code of a second block, its keyword and how many a ruleset has.
    fn rules(self) -> (Code, &'static str, &'static str) {
        match self {
            Single::Schema => (Code::DuplicateSchema, "schema", "exactly one"),
            Single::Policy => (Code::DuplicatePolicy, "policy", "at most one"),
        }
    }
}

impl Checker {
    /// Records an error or a warning.
    fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The first block of a kind among the items; every later block of the
    /// kind is reported.
    fn first_block<'a>(&mut self, items: &[&'a Item], kind: Single) -> Option<&'a Item> {
        let (code, block, how_many) = kind.rules();
        let mut blocks = items.iter().filter_map(|i| Some((*i, kind.keyword(i)?)));
        let (first, first_keyword) = blocks.next()?;
        for (_, extra) in blocks {
            self.report(
                Diagnostic::error(code, extra, format!("a second {block}"))
                    .with_label(format!("the ruleset already has a {block}"))
                    .with_help(format!(
                        "a ruleset has {how_many} `{block}` block: merge the two"
                    ))
                    .with_related(first_keyword, format!("first {block} here")),
            );
        }
        Some(first)
    }

    /// A clause given again at `span` (`message` says which), first given
    /// at `first`.
    fn given_twice(&mut self, span: Span, first: Span, message: String, help: String) {
        self.report(
            Diagnostic::error(Code::DuplicateClause, span, message)
                .with_label("given again here")
                .with_help(help)
                .with_related(first, "first given here"),
        );
    }

    /// A name listed again in a list of names, at `span`.
    fn listed_twice(&mut self, span: Span, what: String) {
        let message = format!("{what} is listed twice");
        self.repeated(span, message, "listed again", "remove the repetition");
    }

    /// A name that may appear once where it is (a field, a parameter, a
    /// variant, a channel in a list) appearing again at `span`: one
    /// `duplicate_name` error, in the words of its place.
    fn repeated(&mut self, span: Span, message: String, label: &str, help: &str) {
        self.report(
            Diagnostic::error(Code::DuplicateName, span, message)
                .with_label(label)
                .with_help(help),
        );
    }

    /// Whether `name` may be declared as `what` (`an attribute`): not a
    /// reserved word, and not in `seen` already (where it is then recorded);
    /// a repetition is reported as a second `kind`.
    fn new_name(
        &mut self,
        name: &ast::Ident,
        seen: &mut HashMap<String, Span>,
        what: &str,
        kind: &str,
    ) -> bool {
        if !self.declared_name(name, what) {
            return false;
        }
        if let Some(prev) = seen.get(&name.name) {
            let prev = *prev;
            self.duplicate_decl(name, prev, kind);
            return false;
        }
        seen.insert(name.name.clone(), name.span);
        true
    }

    /// Declared names may not be keywords or reserved snapshot keys.
    fn declared_name(&mut self, ident: &ast::Ident, what: &str) -> bool {
        if KEYWORDS.contains(&ident.name.as_str()) {
            let reserved_key = RESERVED_KEYS.contains(&ident.name.as_str());
            let why = if reserved_key {
                "is a reserved snapshot key"
            } else {
                "is a reserved word"
            };
            self.report(
                Diagnostic::error(
                    Code::ReservedName,
                    ident.span,
                    format!("`{}` {why} and cannot name {what}", ident.name),
                )
                .with_label("reserved")
                .with_help(format!(
                    "choose another name, e.g. `{}_{}`",
                    if reserved_key { "customer" } else { "my" },
                    ident.name
                )),
            );
            return false;
        }
        true
    }
}
