//! Unit tests of the parser: items, precedence, literals, built-in calls
//! and aggregates, and the syntax errors it reports itself.

use super::parse_file;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast::*;
use crate::syntax::canonical;

fn parse(text: &str) -> (FileAst, Vec<Diagnostic>) {
    parse_file(FileId(0), text)
}

/// The expression of `segment s = TEXT`, which must parse.
fn expr(text: &str) -> Expr {
    let (ast, diags) = parse(&format!("segment s = {text}"));
    assert!(diags.is_empty(), "{diags:#?}");
    match ast.items.into_iter().next() {
        Some(Item::Segment(d)) => d.expr,
        other => panic!("expected a segment, found {other:?}"),
    }
}

/// The error codes and messages of a text.
fn errors(text: &str) -> Vec<(Code, String)> {
    parse(text)
        .1
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| (d.code, d.message))
        .collect()
}

#[test]
fn items_in_source_order() {
    let (ast, diags) = parse(
        "schema { plan: string }\npolicy { channels email }\nsegment a = true\nmetric m = 1\n\
         rule r { when a send email \"m\" }\nsuppress s when a",
    );
    assert!(diags.is_empty(), "{diags:#?}");
    let kinds: Vec<&str> = ast
        .items
        .iter()
        .map(|i| match i {
            Item::Schema(_) => "schema",
            Item::Policy(_) => "policy",
            Item::Segment(_) => "segment",
            Item::Metric(_) => "metric",
            Item::Rule(_) => "rule",
            Item::Suppress(_) => "suppress",
        })
        .collect();
    assert_eq!(
        kinds,
        ["schema", "policy", "segment", "metric", "rule", "suppress"]
    );
}

#[test]
fn and_binds_tighter_than_or() {
    let e = expr("a or b and not c");
    let ExprKind::Or(a, b) = e.kind else {
        panic!("expected or, found {e:?}")
    };
    assert_eq!(canonical::expr(&a), "a");
    assert!(matches!(b.kind, ExprKind::And(..)));
}

#[test]
fn arithmetic_precedence_and_default() {
    let e = expr("a ?? b + 1 * 2 > 3");
    let ExprKind::Compare(CompareOp::Gt, lhs, _) = &e.kind else {
        panic!("expected a comparison, found {e:?}")
    };
    let ExprKind::Default(_, rhs) = &lhs.kind else {
        panic!("expected ??, found {lhs:?}")
    };
    assert!(matches!(rhs.kind, ExprKind::Arith(ArithOp::Add, ..)));
}

#[test]
fn durations_in_every_unit_spelling() {
    for (text, seconds) in [
        ("7 days", 604_800),
        ("7d", 604_800),
        ("2w", 1_209_600),
        ("1 hour", 3_600),
        ("30min", 1_800),
        ("1 minute", 60),
    ] {
        let e = expr(&format!("x within {text}"));
        let ExprKind::Within(_, d) = e.kind else {
            panic!("expected within")
        };
        let ExprKind::Duration(d) = d.kind else {
            panic!("expected a duration")
        };
        assert_eq!(d.seconds(), seconds, "{text}");
        assert_eq!(canonical::duration(&d), text);
    }
}

#[test]
fn months_and_seconds_are_not_units() {
    let found = errors("segment s = x within 2 months");
    assert_eq!(found.len(), 1);
    assert!(found[0].1.contains("months and years vary"), "{found:?}");
    let found = errors("segment s = x within 2 s");
    assert!(
        found[0].1.contains("the smallest unit is minutes"),
        "{found:?}"
    );
}

#[test]
fn calls_resolve_through_the_builtins_table() {
    let e = expr("lower(x) == \"a\"");
    let ExprKind::Compare(_, call, _) = e.kind else {
        panic!("expected a comparison")
    };
    assert!(matches!(
        call.kind,
        ExprKind::Call {
            func: Builtin::Lower,
            ..
        }
    ));
    // min/max with two arguments are scalar, with one an aggregate.
    assert!(matches!(
        expr("min(a, b)").kind,
        ExprKind::Call {
            func: Builtin::Min,
            ..
        }
    ));
    assert!(matches!(
        expr("max(watched.minutes)").kind,
        ExprKind::Aggregate {
            kind: AggregateKind::Max,
            ..
        }
    ));
}

#[test]
fn unknown_functions_suggest_a_builtin() {
    let (_, diags) = parse("segment s = lowr(x) == \"a\"");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::UnknownFunction);
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `lower`?"));
    let (_, diags) = parse("segment s = zzzzzz(x) == \"a\"");
    assert_eq!(
        diags[0].help.as_deref(),
        Some("the functions are count, sum, min, max, avg, distinct, last, first, lower, len, abs, days and hours")
    );
}

#[test]
fn wrong_arity_is_reported() {
    let found = errors("segment s = lower(a, b) == \"x\"");
    assert_eq!(
        found,
        [(
            Code::Syntax,
            "`lower` takes 1 argument, found 2".to_string()
        )]
    );
}

#[test]
fn a_trailing_within_belongs_to_the_aggregate() {
    let e = expr("count(invoice where paid within 90 days) > 0");
    let ExprKind::Compare(_, agg, _) = e.kind else {
        panic!("expected a comparison")
    };
    let ExprKind::Aggregate { filter, window, .. } = agg.kind else {
        panic!("expected an aggregate")
    };
    assert_eq!(window.map(|w| w.seconds()), Some(90 * 86_400));
    assert_eq!(filter.map(|f| canonical::expr(&f)).as_deref(), Some("paid"));
}

#[test]
fn aggregates_need_the_right_argument() {
    assert_eq!(errors("segment s = sum(watched) > 1")[0].0, Code::Aggregate);
    assert_eq!(
        errors("segment s = count(watched.minutes) > 1")[0].0,
        Code::Aggregate
    );
    assert_eq!(errors("segment s = count(a, b) > 1")[0].0, Code::Aggregate);
}

#[test]
fn every_broken_item_is_reported_and_the_others_kept() {
    let (ast, diags) = parse("segment a = == 1\nsegment b = true\nmetric c = 1 +\n");
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(ast.items.len(), 1, "{diags:#?}");
}

#[test]
fn spans_point_into_the_file() {
    let text = "segment s = plan == \"pro\"";
    let e = expr("plan == \"pro\"");
    assert_eq!(text.get(e.span.start..e.span.end), Some("plan == \"pro\""));
}
