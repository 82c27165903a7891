//! `nudge diff`: two rulesets over the same snapshots, and what the change
//! does — who gets a different decision, and why.
//!
//! The steps follow the data:
//!
//! 1. [`source`]: each ruleset from a directory or `REV:DIR` in git;
//! 2. [`compare`]: one customer, both evaluations, decisions paired by
//!    (customer, rule) — never by decision id, which depends on the
//!    ruleset hash — into transitions (`no_match → send`) and changed
//!    fields (message, variant, channel, params, `deliver_at`); for
//!    example customers, [`why`]: the conditions whose values changed and
//!    the fields, with both values;
//! 3. [`report`]: an accumulator that adds customers up in input order
//!    into a [`DiffReport`] (totals, sends gained and lost by channel,
//!    per-rule counts before → after, transitions with their first N
//!    example customers), in memory bounded by the number of rules;
//! 4. [`pass`]: the streaming pass on the library batch engine
//!    ([`crate::batch`]): the pair is its step, the accumulator its sink;
//! 5. [`markdown`] and [`text`]: the report for a pull request and for a
//!    terminal; [`DiffReport`] serializes to JSON.
//!
//! ```
//! use nudge::diff::{Accumulator, LoadedRuleset, Pair};
//!
//! let rules = |days: u32| {
//!     nudge::Ruleset::from_sources([(
//!         "r.nudge",
//!         format!(
//!             "schema {{ last_seen_at: time }}\npolicy {{ channels email }}\n\
//!              rule come_back {{ when last_seen_at older than {days} days \
//!              send email \"come_back\" cooldown 7 days }}"
//!         ),
//!     )])
//! };
//! let (before, after) = (rules(7)?, rules(5)?);
//! let now = "2026-11-23T09:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?;
//! let pair = Pair::new(before.clone(), after.clone(), now);
//! let mut accumulator = Accumulator::new(&pair, 3);
//! for line in [
//!     r#"{"id": "a", "last_seen_at": "2026-11-17T09:00:00Z"}"#,
//!     r#"{"id": "b", "last_seen_at": "2026-11-22T09:00:00Z"}"#,
//! ] {
//!     accumulator.add(pair.compare_json(line)?);
//! }
//! let named = |label: &str, ruleset| LoadedRuleset { label: label.into(), commit: None, ruleset };
//! let report = accumulator.finish(&pair, &named("old", before), &named("new", after));
//! assert_eq!((report.customers, report.changed_customers, report.sends_gained), (2, 1, 1));
//! let transition = &report.rules[0].transitions[0];
//! assert_eq!(transition.examples[0].customer, "a");
//! let condition = &transition.examples[0].conditions[0];
//! assert_eq!(condition.after.as_ref().unwrap().condition, "last_seen_at older than 5 days");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compare;
pub mod markdown;
pub mod pass;
pub mod report;
pub mod source;
pub mod text;
pub mod why;

pub use compare::{CustomerDiff, Pair};
pub use pass::{run, DiffRun, Options};
pub use report::{Accumulator, DiffReport};
pub use source::{LoadedRuleset, RulesetSource, SourceError};

/// A count with thousands separators: `1,204`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A transition's side as people read it: an outcome, or `(new rule)` /
/// `(removed)` when the rule is not in that ruleset.
pub(crate) fn state_label(state: compare::State, before: bool) -> &'static str {
    match state {
        Some(o) => o.as_str(),
        None if before => "(new rule)",
        None => "(removed)",
    }
}

/// `no_match → send`, or `send → send (params)` for the same outcome.
pub(crate) fn transition_label(t: &report::Transition) -> String {
    let mut label = format!(
        "{} → {}",
        state_label(t.before, true),
        state_label(t.after, false)
    );
    if !t.changed.is_empty() {
        label.push_str(&format!(" ({} changed)", t.changed.join(", ")));
    }
    label
}

/// A signed difference: `+12`, `−3`, `0`.
pub(crate) fn signed(before: u64, after: u64) -> String {
    match after.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", thousands(after - before)),
        std::cmp::Ordering::Less => format!("−{}", thousands(before - after)),
        std::cmp::Ordering::Equal => String::from("0"),
    }
}

/// A condition's value as people read it.
fn condition_value(b: &crate::decision::Because) -> &'static str {
    match b.value {
        _ if b.error.is_some() => "error",
        Some(true) => "true",
        Some(false) => "false",
        None => "not evaluated",
    }
}

/// One changed condition, its text shown by `code`:
/// `inactive for 7 days → inactive for 3 days: false → true`, or for a
/// condition on one side only, `… (added): true` / `… (removed): was true`.
pub(crate) fn condition_line(c: &why::ConditionChange, code: impl Fn(&str) -> String) -> String {
    match (&c.before, &c.after) {
        (Some(b), Some(a)) if b.condition == a.condition => format!(
            "{}: {} → {}",
            code(&a.condition),
            condition_value(b),
            condition_value(a)
        ),
        (Some(b), Some(a)) => format!(
            "{} → {}: {} → {}",
            code(&b.condition),
            code(&a.condition),
            condition_value(b),
            condition_value(a)
        ),
        (Some(b), None) => format!(
            "{} (removed): was {}",
            code(&b.condition),
            condition_value(b)
        ),
        (None, Some(a)) => format!("{} (added): {}", code(&a.condition), condition_value(a)),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(signed(5, 3), "−2");
        assert_eq!(signed(3, 1_003), "+1,000");
    }
}
