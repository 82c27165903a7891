//! Unit tests of the checker, one file per concern (as Cedar's
//! `typecheck/test/*.rs`): names, types, optional-safety and narrowing,
//! cycles, the policy, rules and lints. Each test checks a small ruleset
//! text and looks at the program or at the diagnostic codes.

mod cycles;
mod division;
mod expressions;
mod lints;
mod names;
mod narrowing;
mod policy;
mod rules;
mod satisfiable;
mod types;

use super::check;
use crate::diagnostic::{Code, Diagnostic};
use crate::program::Program;
use crate::syntax::{parse_file, FileId};

/// A schema and policy most tests build on.
const BASE: &str = r#"
schema {
  plan: "trial" | "pro"
  mrr: number
  seats: int
  first_name: string?
  churned_at: time?
  signed_up_at: time
  tags_list: list<string>
  company: { name: string, size: int? }
  event logged_in
  event watched { minutes: number, title: string }
}
policy {
  channels email, push
  consent email when true
  consent push when true
}
"#;

/// Checks `BASE` followed by `text`; the text must parse.
fn run(text: &str) -> (Option<Program>, Vec<Diagnostic>) {
    check_alone(&format!("{BASE}{text}"))
}

/// Checks `text` alone, without `BASE`.
fn check_alone(text: &str) -> (Option<Program>, Vec<Diagnostic>) {
    let (ast, parse_diags) = parse_file(FileId(0), text);
    assert!(
        parse_diags.iter().all(|d| !d.is_error()),
        "does not parse: {parse_diags:?}"
    );
    check(&[(FileId(0), &ast)])
}

/// A rule `r` with this condition.
fn rule(when: &str) -> String {
    format!("rule r {{ when {when} send email \"m\" cooldown 1 day }}")
}

/// The definitions `defs`, then a rule `r` with the condition `when`.
fn after(defs: &str, when: &str) -> String {
    format!("{defs}\n{}", rule(when))
}

/// The program of a ruleset that must check without errors.
fn program(text: &str) -> Program {
    let (program, diags) = run(text);
    match program {
        Some(p) => p,
        None => panic!("expected no error, found {diags:#?}"),
    }
}

/// The codes of the errors, in source order.
fn errors(text: &str) -> Vec<Code> {
    let (program, diags) = run(text);
    let codes: Vec<Code> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(program.is_none(), !codes.is_empty());
    codes
}

/// The codes of the warnings, in source order.
fn warnings(text: &str) -> Vec<Code> {
    let (_, diags) = run(text);
    diags
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| d.code)
        .collect()
}

/// The one error of a ruleset, with its message.
fn only_error(text: &str) -> Diagnostic {
    let (_, diags) = run(text);
    let mut errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
    assert_eq!(errors.len(), 1, "expected one error, found {errors:#?}");
    errors.remove(0)
}

#[test]
fn the_base_ruleset_checks() {
    let p = program("");
    assert_eq!(p.schema.attributes.len(), 8);
    assert_eq!(p.schema.events.len(), 2);
    assert_eq!(p.policy.channels, ["email", "push"]);
}
