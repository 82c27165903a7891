//! What is known about each value as the claims of a condition come in:
//! an interval for numbers, times and durations (whole numbers tighten
//! strict bounds), the literals a string, enum or bool may still be, and
//! presence. The first claim that leaves a value nothing to be is a
//! conflict between two claims (or one, on its own).

use std::collections::{BTreeMap, HashMap};

use super::facts::{Claim, Fact, Origin};
use super::linear::{duration_text, Atom, Family, Kind, Linear};
use crate::syntax::ast::CompareOp;
use crate::value::format_number;

/// Two claims that cannot both hold (the same origin twice: one claim that
/// never holds), and why.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::check) struct Conflict {
    /// The earlier claim.
    pub first: Origin,
    /// The claim that made the condition impossible.
    pub second: Origin,
    /// Why they cannot both hold, for the label.
    pub why: String,
}

#[derive(Debug, Clone)]
struct Bound {
    value: f64,
    strict: bool,
    shown: String,
    origin: Origin,
}

#[derive(Debug, Default)]
struct Interval {
    lo: Option<Bound>,
    hi: Option<Bound>,
    not: Vec<(f64, String, Origin)>,
    family: Option<Family>,
}

#[derive(Debug, Default)]
struct Set {
    allowed: Option<(Vec<String>, Origin)>,
    excluded: Vec<(String, Origin)>,
    universe: Option<Vec<String>>,
}

/// The knowledge gathered so far.
#[derive(Debug, Default)]
pub(in crate::check) struct Domain {
    intervals: BTreeMap<String, Interval>,
    sets: HashMap<String, Set>,
    presence: HashMap<String, (bool, Origin)>,
}

/// The first conflict among the claims, in order.
pub(in crate::check) fn first_conflict(facts: &[Fact]) -> Option<Conflict> {
    let mut domain = Domain::default();
    for f in facts {
        if let Some(c) = domain.add(f) {
            return Some(c);
        }
    }
    domain.windows()
}

fn conflict(first: &Origin, second: &Origin, why: String) -> Option<Conflict> {
    Some(Conflict {
        first: first.clone(),
        second: second.clone(),
        why,
    })
}

impl Domain {
    /// Adds a claim; the conflict it makes, if any.
    pub(in crate::check) fn add(&mut self, fact: &Fact) -> Option<Conflict> {
        let origin = &fact.origin;
        match &fact.claim {
            Claim::Never(why) => conflict(origin, origin, why.clone()),
            Claim::Compare(form, op) => self.compare(form, *op, origin),
            Claim::Member {
                key,
                values,
                negated,
                universe,
            } => self.member(key, values, *negated, universe.as_ref(), origin),
            Claim::Presence { key, present } => self.presence(key, *present, origin),
        }
    }

    /// `form OP 0`, as a bound on one atom or on the difference of two.
    fn compare(&mut self, form: &Linear, op: CompareOp, origin: &Origin) -> Option<Conflict> {
        for key in form.terms.keys() {
            if let Some(c) = self.presence(key, true, origin) {
                return Some(c);
            }
        }
        let terms: Vec<(&String, &(f64, Atom))> = form.terms.iter().collect();
        match terms.as_slice() {
            [] => (!holds(form.constant, op)).then(|| Conflict {
                first: origin.clone(),
                second: origin.clone(),
                why: String::from("it compares fixed values and is always false"),
            }),
            [(key, (c, atom))] => {
                for (bound, natural) in [
                    (&atom.at_least, CompareOp::Ge),
                    (&atom.at_most, CompareOp::Le),
                ] {
                    if let Some((v, why)) = bound {
                        let def = Origin::Definition(why.clone());
                        if let Some(c) = self.bound(key, natural, *v, atom.kind, &def) {
                            return Some(c);
                        }
                    }
                }
                if atom.family.is_some() {
                    self.intervals.entry((*key).clone()).or_default().family = atom.family.clone();
                }
                let op = if *c < 0.0 { flip(op) } else { op };
                self.bound(key, op, -form.constant / c, atom.kind, origin)
            }
            [(k1, (c1, a1)), (k2, (c2, a2))] if *c1 == -*c2 => {
                let kind = match (a1.kind, a2.kind) {
                    (Some(Kind::Int), Some(Kind::Int)) => Some(Kind::Int),
                    (Some(Kind::Time), Some(Kind::Time)) => Some(Kind::Duration),
                    (Some(Kind::Int), k) | (k, _) => k,
                };
                let key = format!("{k1} - {k2}");
                let op = if *c1 < 0.0 { flip(op) } else { op };
                self.bound(&key, op, -form.constant / c1, kind, origin)
            }
            _ => None,
        }
    }

    /// `key OP value`.
    fn bound(
        &mut self,
        key: &str,
        op: CompareOp,
        value: f64,
        kind: Option<Kind>,
        origin: &Origin,
    ) -> Option<Conflict> {
        let shown = show(op, value, kind);
        let int = kind == Some(Kind::Int);
        let range = self.intervals.entry(key.to_string()).or_default();
        let make = |op: CompareOp| {
            let (value, strict) = match (int, op) {
                (true, CompareOp::Gt) => (value.floor() + 1.0, false),
                (true, CompareOp::Ge) => (value.ceil(), false),
                (true, CompareOp::Lt) => (value.ceil() - 1.0, false),
                (true, CompareOp::Le) => (value.floor(), false),
                (_, op) => (value, matches!(op, CompareOp::Gt | CompareOp::Lt)),
            };
            Bound {
                value,
                strict,
                shown: shown.clone(),
                origin: origin.clone(),
            }
        };
        if matches!(op, CompareOp::Gt | CompareOp::Ge | CompareOp::Eq) {
            let b = make(if op == CompareOp::Eq {
                CompareOp::Ge
            } else {
                op
            });
            let tighter = range.lo.as_ref().is_none_or(|lo| {
                b.value > lo.value || (b.value == lo.value && b.strict && !lo.strict)
            });
            if tighter {
                range.lo = Some(b);
            }
        }
        if matches!(op, CompareOp::Lt | CompareOp::Le | CompareOp::Eq) {
            let b = make(if op == CompareOp::Eq {
                CompareOp::Le
            } else {
                op
            });
            let tighter = range.hi.as_ref().is_none_or(|hi| {
                b.value < hi.value || (b.value == hi.value && b.strict && !hi.strict)
            });
            if tighter {
                range.hi = Some(b);
            }
        }
        if op == CompareOp::Ne {
            range.not.push((value, shown.clone(), origin.clone()));
        }
        let (Some(lo), Some(hi)) = (&range.lo, &range.hi) else {
            return None;
        };
        if lo.value > hi.value || (lo.value == hi.value && (lo.strict || hi.strict)) {
            let (a, b) = order(lo, hi);
            return conflict(
                &a.origin,
                &b.origin,
                format!("`{key}` cannot be {} and {}", a.shown, b.shown),
            );
        }
        if lo.value == hi.value {
            if let Some((_, not_shown, not_origin)) =
                range.not.iter().find(|(v, ..)| *v == lo.value)
            {
                let point = if hi.origin == *not_origin { lo } else { hi };
                return conflict(
                    &point.origin,
                    not_origin,
                    format!("`{key}` cannot be {} and {not_shown}", point.shown),
                );
            }
        }
        None
    }

    /// The value is (or, negated, is not) one of `values`.
    fn member(
        &mut self,
        key: &str,
        values: &[String],
        negated: bool,
        universe: Option<&Vec<String>>,
        origin: &Origin,
    ) -> Option<Conflict> {
        let set = self.sets.entry(key.to_string()).or_default();
        if set.universe.is_none() {
            set.universe = universe.cloned();
        }
        if !negated {
            let mut candidates: Vec<String> = values.to_vec();
            candidates.dedup();
            if let Some((allowed, allowed_origin)) = &set.allowed {
                candidates.retain(|v| allowed.contains(v));
                if candidates.is_empty() {
                    let why = format!(
                        "`{key}` cannot be {} and {} at once",
                        one_of(allowed),
                        one_of(values)
                    );
                    return conflict(allowed_origin, origin, why);
                }
            }
            let remaining: Vec<String> = candidates
                .iter()
                .filter(|v| !set.excluded.iter().any(|(x, _)| x == *v))
                .cloned()
                .collect();
            if remaining.is_empty() {
                let blame = set
                    .excluded
                    .iter()
                    .rev()
                    .find(|(x, _)| candidates.contains(x))
                    .map(|(_, o)| o.clone())
                    .unwrap_or_else(|| origin.clone());
                let why = format!(
                    "`{key}` cannot be {} and not {}",
                    one_of(values),
                    either(&candidates)
                );
                return conflict(&blame, origin, why);
            }
            set.allowed = Some((remaining, origin.clone()));
            return None;
        }
        for v in values {
            set.excluded.push((v.clone(), origin.clone()));
        }
        let excluded = |v: &String| set.excluded.iter().any(|(x, _)| x == v);
        if let Some((allowed, allowed_origin)) = &set.allowed {
            if allowed.iter().all(excluded) {
                let why = format!(
                    "`{key}` cannot be {} and not {}",
                    one_of(allowed),
                    either(values)
                );
                return conflict(allowed_origin, origin, why);
            }
        } else if let Some(universe) = &set.universe {
            if universe.iter().all(excluded) {
                let blame = set
                    .excluded
                    .iter()
                    .rev()
                    .find(|(_, o)| o != origin)
                    .map(|(_, o)| o.clone())
                    .unwrap_or_else(|| origin.clone());
                let why = format!(
                    "`{key}` has no value left: {} are all excluded",
                    universe.join(", ")
                );
                return conflict(&blame, origin, why);
            }
        }
        None
    }

    fn presence(&mut self, key: &str, present: bool, origin: &Origin) -> Option<Conflict> {
        match self.presence.get(key) {
            Some((p, o)) if *p != present => conflict(
                o,
                origin,
                format!("`{key}` cannot be missing and have a value at once"),
            ),
            Some(_) => None,
            None => {
                self.presence
                    .insert(key.to_string(), (present, origin.clone()));
                None
            }
        }
    }

    /// Counts in windows inside one another: the inner count is never more
    /// than the outer one.
    fn windows(&self) -> Option<Conflict> {
        let counts: Vec<(&String, &Interval, &Family)> = self
            .intervals
            .iter()
            .filter_map(|(k, i)| i.family.as_ref().map(|f| (k, i, f)))
            .collect();
        for (k1, inner, (f1, w1)) in &counts {
            for (k2, outer, (f2, w2)) in &counts {
                let inside = match (w1, w2) {
                    (_, None) => w1.is_some(),
                    (Some(a), Some(b)) => a < b,
                    (None, Some(_)) => false,
                };
                if f1 != f2 || !inside {
                    continue;
                }
                if let (Some(lo), Some(hi)) = (&inner.lo, &outer.hi) {
                    if lo.value > hi.value {
                        let why = format!(
                            "`{k1}` is never more than `{k2}`, so it cannot be {} while `{k2}` is {}",
                            lo.shown, hi.shown
                        );
                        return conflict(&hi.origin, &lo.origin, why);
                    }
                }
            }
        }
        None
    }
}

/// The two bounds, the one from the earlier claim first.
fn order<'a>(a: &'a Bound, b: &'a Bound) -> (&'a Bound, &'a Bound) {
    match (&a.origin, &b.origin) {
        (Origin::Conjunct(x), Origin::Conjunct(y)) if x > y => (b, a),
        (Origin::Conjunct(_), Origin::Definition(_)) => (b, a),
        _ => (a, b),
    }
}

fn holds(v: f64, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => v == 0.0,
        CompareOp::Ne => v != 0.0,
        CompareOp::Lt => v < 0.0,
        CompareOp::Le => v <= 0.0,
        CompareOp::Gt => v > 0.0,
        CompareOp::Ge => v >= 0.0,
    }
}

/// `a OP b` as `b OP' a`.
fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

/// A bound in words: `above 10`, `before now - 14 days`.
fn show(op: CompareOp, value: f64, kind: Option<Kind>) -> String {
    let time = kind == Some(Kind::Time);
    let word = match (op, time) {
        (CompareOp::Gt, false) => "above",
        (CompareOp::Ge, false) => "at least",
        (CompareOp::Lt, false) => "below",
        (CompareOp::Le, false) => "at most",
        (CompareOp::Gt, true) => "after",
        (CompareOp::Ge, true) => "at or after",
        (CompareOp::Lt, true) => "before",
        (CompareOp::Le, true) => "at or before",
        (CompareOp::Eq, _) => "exactly",
        (CompareOp::Ne, _) => "other than",
    };
    let shown = match kind {
        Some(Kind::Time) if value == 0.0 => String::from("now"),
        Some(Kind::Time) => format!(
            "now {} {}",
            if value < 0.0 { '-' } else { '+' },
            duration_text(value)
        ),
        Some(Kind::Duration) if value < 0.0 => format!("-{}", duration_text(value)),
        Some(Kind::Duration) => duration_text(value),
        _ => format_number(value),
    };
    format!("{word} {shown}")
}

/// `"trial"`, or `one of "trial", "pro"`.
fn one_of(values: &[String]) -> String {
    match values {
        [one] => one.clone(),
        _ => format!("one of {}", values.join(", ")),
    }
}

/// `"trial"`, or `"trial" or "pro"`.
fn either(values: &[String]) -> String {
    values.join(" or ")
}
