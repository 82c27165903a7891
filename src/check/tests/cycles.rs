//! Cycles between segments and metrics.

use super::{errors, only_error, program};
use crate::diagnostic::Code;

#[test]
fn a_definition_cannot_use_itself() {
    assert_eq!(errors("segment a = a"), [Code::Cycle]);
}

#[test]
fn a_cycle_through_several_definitions_is_reported_once_with_its_chain() {
    let d = only_error(
        "segment a = b\nsegment b = c > 1\nmetric c = count(logged_in) + d\nmetric d = c",
    );
    assert_eq!(d.code, Code::Cycle);
    assert!(!d.related.is_empty(), "the chain is shown: {d:?}");
}

#[test]
fn shared_dependencies_are_not_cycles() {
    let p = program("metric base = seats * 2\nsegment x = base > 1\nsegment y = base > 2 and x");
    assert_eq!(p.segments.len(), 2);
    assert_eq!(p.metrics.len(), 1);
}
