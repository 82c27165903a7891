//! One customer under two rulesets: both evaluations, their decisions
//! paired by (customer, rule) — never by decision id, which changes with
//! the ruleset hash — and what differs: the outcome, or the message,
//! variant, channel, params or delivery time of the same outcome; for
//! examples, the conditions whose values changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::why::{example, Example};
use crate::decision::{Decision, Evaluation, Outcome};
use crate::program::Program;
use crate::snapshot::{Customer, RejectedInput};
use crate::Ruleset;

/// What a changed decision changed besides its outcome (a bit set).
pub mod field {
    /// The message (of a rule without variants).
    pub const MESSAGE: u8 = 1;
    /// The variant a send picked.
    pub const VARIANT: u8 = 2;
    /// The channel.
    pub const CHANNEL: u8 = 4;
    /// A `with` parameter.
    pub const PARAMS: u8 = 8;
    /// The delivery time (quiet hours).
    pub const DELIVER_AT: u8 = 16;
    /// Every field with its name, in report order.
    pub const ALL: [(u8, &str); 5] = [
        (MESSAGE, "message"),
        (VARIANT, "variant"),
        (CHANNEL, "channel"),
        (PARAMS, "params"),
        (DELIVER_AT, "deliver_at"),
    ];

    /// The names of the fields in a set.
    pub fn names(set: u8) -> Vec<&'static str> {
        ALL.iter()
            .filter(|(bit, _)| set & bit != 0)
            .map(|(_, name)| *name)
            .collect()
    }
}

/// A rule of either ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule's name (rules are matched by name).
    pub name: String,
    /// Whether the before ruleset has it.
    pub in_before: bool,
    /// Whether the after ruleset has it.
    pub in_after: bool,
}

/// A rule's state for one customer on one side: an outcome, or `None`
/// when the rule is not in that ruleset.
pub type State = Option<Outcome>;

/// The index of a state in `0..8` (outcomes, then "not in the ruleset").
pub(crate) fn state_index(state: State) -> usize {
    match state {
        Some(o) => Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0),
        None => Outcome::ALL.len(),
    }
}

/// A decision of one side reduced to what the report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    /// The outcome.
    pub outcome: Outcome,
    /// Index into [`Pair::channels`].
    pub channel: u16,
}

/// A rule with a decision (other than `no_match`) on at least one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDecisions {
    /// Index into [`Pair::rules`].
    pub rule: u32,
    /// The before ruleset's decision (`None`: `no_match`, or no such rule).
    pub before: Option<Decided>,
    /// The after ruleset's decision.
    pub after: Option<Decided>,
}

/// A decision that differs between the two rulesets.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Index into [`Pair::rules`].
    pub rule: u32,
    /// The state before.
    pub before: State,
    /// The state after.
    pub after: State,
    /// The fields that differ when the outcome is the same ([`field`]).
    pub fields: u8,
    /// Filled while the transition still wants examples.
    pub example: Option<Box<Example>>,
}

/// Everything about one customer that the report counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerDiff {
    /// The customer's id.
    pub customer: String,
    /// The snapshot does not fit one of the schemas.
    pub invalid: bool,
    /// Every rule with a decision other than `no_match` on either side.
    pub decided: Vec<RuleDecisions>,
    /// The decisions that differ.
    pub changes: Vec<Change>,
}

/// Which transitions still want examples: one bit per field set for each
/// (rule, before, after). The accumulator sets a bit once it holds enough
/// examples; since it takes customers in input order, a customer evaluated
/// after that can never be one of the first N, so skipping its example
/// keeps the report deterministic.
#[derive(Debug)]
pub struct ExampleWants {
    full: Vec<AtomicU32>,
}

const STATES: usize = Outcome::ALL.len() + 1;

impl ExampleWants {
    fn new(rules: usize) -> ExampleWants {
        ExampleWants {
            full: (0..rules * STATES * STATES)
                .map(|_| AtomicU32::new(0))
                .collect(),
        }
    }

    fn slot(&self, rule: u32, before: State, after: State) -> Option<&AtomicU32> {
        let i = (rule as usize * STATES + state_index(before)) * STATES + state_index(after);
        self.full.get(i)
    }

    /// Whether the transition still wants examples.
    pub fn wants(&self, rule: u32, before: State, after: State, fields: u8) -> bool {
        self.slot(rule, before, after)
            .is_some_and(|s| s.load(Ordering::Relaxed) & (1 << (fields & 31)) == 0)
    }

    /// Marks the transition as having all its examples.
    pub fn fill(&self, rule: u32, before: State, after: State, fields: u8) {
        if let Some(s) = self.slot(rule, before, after) {
            s.fetch_or(1 << (fields & 31), Ordering::Relaxed);
        }
    }
}

/// Two rulesets to compare, with their rules and channels matched by name.
#[derive(Debug, Clone)]
pub struct Pair {
    before: Ruleset,
    after: Ruleset,
    rules: Vec<RuleInfo>,
    index: HashMap<String, u32>,
    channels: Vec<String>,
    before_channels: Vec<u16>,
    after_channels: Vec<u16>,
    same_schema: bool,
    now: DateTime<Utc>,
    wants: Arc<ExampleWants>,
}

fn channel_map(program: &Program, channels: &mut Vec<String>) -> Vec<u16> {
    program
        .policy
        .channels
        .iter()
        .map(|c| match channels.iter().position(|x| x == c) {
            Some(i) => i as u16,
            None => {
                channels.push(c.clone());
                (channels.len() - 1) as u16
            }
        })
        .collect()
}

impl Pair {
    /// Pairs two rulesets for evaluation at `now`.
    pub fn new(before: Ruleset, after: Ruleset, now: DateTime<Utc>) -> Pair {
        let mut rules: Vec<RuleInfo> = Vec::new();
        let mut index = HashMap::new();
        for (program, is_before) in [(before.program(), true), (after.program(), false)] {
            for r in &program.rules {
                let i = *index.entry(r.name.clone()).or_insert_with(|| {
                    rules.push(RuleInfo {
                        name: r.name.clone(),
                        in_before: false,
                        in_after: false,
                    });
                    (rules.len() - 1) as u32
                });
                if let Some(info) = rules.get_mut(i as usize) {
                    if is_before {
                        info.in_before = true;
                    } else {
                        info.in_after = true;
                    }
                }
            }
        }
        let mut channels = Vec::new();
        let before_channels = channel_map(before.program(), &mut channels);
        let after_channels = channel_map(after.program(), &mut channels);
        let same_schema = before.program().schema == after.program().schema;
        let wants = Arc::new(ExampleWants::new(rules.len()));
        Pair {
            before,
            after,
            rules,
            index,
            channels,
            before_channels,
            after_channels,
            same_schema,
            now,
            wants,
        }
    }

    /// Every rule of either ruleset, before's first.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// Every channel of either policy.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Whether both rulesets read snapshots alike (then each is read once).
    pub fn same_schema(&self) -> bool {
        self.same_schema
    }

    /// The ruleset before the change.
    pub fn before(&self) -> &Ruleset {
        &self.before
    }

    /// The ruleset after the change.
    pub fn after(&self) -> &Ruleset {
        &self.after
    }

    /// The evaluation instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The shared record of which transitions still want examples.
    pub fn wants(&self) -> &Arc<ExampleWants> {
        &self.wants
    }

    /// Compares one customer of an NDJSON line.
    pub fn compare_json(&self, line: &str) -> Result<CustomerDiff, RejectedInput> {
        self.compare_with(|ruleset| ruleset.read_customer(line))
    }

    /// Compares one customer, read by `read` against a ruleset's schema
    /// (called once when both schemas are equal, else once per side).
    pub fn compare_with(
        &self,
        read: impl Fn(&Ruleset) -> Result<Customer, RejectedInput>,
    ) -> Result<CustomerDiff, RejectedInput> {
        let first = read(&self.before)?;
        let second;
        let after_customer = if self.same_schema {
            &first
        } else {
            second = read(&self.after)?;
            &second
        };
        Ok(self.compare(&first, after_customer))
    }

    fn evaluate(&self, ruleset: &Ruleset, customer: &Customer, explain: bool) -> Evaluation {
        ruleset.evaluation(customer, self.now, explain)
    }

    /// Compares one customer read against each side's schema.
    pub fn compare(&self, before: &Customer, after: &Customer) -> CustomerDiff {
        let b = self.evaluate(&self.before, before, false);
        let a = self.evaluate(&self.after, after, false);
        let mut decided: Vec<(u32, Option<&Decision>, Option<&Decision>)> =
            Vec::with_capacity(b.decisions.len() + a.decisions.len());
        for d in &b.decisions {
            if let Some(i) = self.index.get(&d.rule) {
                decided.push((*i, Some(d), None));
            }
        }
        for d in &a.decisions {
            let Some(i) = self.index.get(&d.rule) else {
                continue;
            };
            match decided.iter_mut().find(|(r, _, _)| r == i) {
                Some(entry) => entry.2 = Some(d),
                None => decided.push((*i, None, Some(d))),
            }
        }
        decided.sort_by_key(|(r, _, _)| *r);
        let mut out = CustomerDiff {
            customer: b.customer.clone(),
            invalid: !b.problems.is_empty() || !a.problems.is_empty(),
            decided: Vec::with_capacity(decided.len()),
            changes: Vec::new(),
        };
        let mut explained = Explained::default();
        for (rule, bd, ad) in decided {
            let Some(info) = self.rules.get(rule as usize) else {
                continue;
            };
            out.decided.push(RuleDecisions {
                rule,
                before: bd.map(|d| self.decided(d, true)),
                after: ad.map(|d| self.decided(d, false)),
            });
            let state = |d: Option<&Decision>, present: bool| match d {
                Some(d) => Some(d.outcome),
                None => present.then_some(Outcome::NoMatch),
            };
            let (from, to) = (state(bd, info.in_before), state(ad, info.in_after));
            let fields = match (bd, ad) {
                (Some(x), Some(y)) if from == to => changed_fields(x, y),
                _ => 0,
            };
            let quiet = |s: State| matches!(s, None | Some(Outcome::NoMatch));
            if (from == to && fields == 0) || (quiet(from) && quiet(to)) {
                continue;
            }
            let example = if self.wants.wants(rule, from, to, fields) {
                let bx = match bd {
                    Some(d) => Some(d.clone()),
                    None if info.in_before => explained.before(self, before, &info.name),
                    None => None,
                };
                let ax = match ad {
                    Some(d) => Some(d.clone()),
                    None if info.in_after => explained.after(self, after, &info.name),
                    None => None,
                };
                Some(Box::new(example(
                    &out.customer,
                    bx.as_ref(),
                    ax.as_ref(),
                    fields,
                )))
            } else {
                None
            };
            out.changes.push(Change {
                rule,
                before: from,
                after: to,
                fields,
                example,
            });
        }
        out
    }

    /// A decision of one side (`before` or after) with its channel index.
    fn decided(&self, d: &Decision, before: bool) -> Decided {
        let (program, channels) = if before {
            (self.before.program(), &self.before_channels)
        } else {
            (self.after.program(), &self.after_channels)
        };
        let channel = d
            .channel
            .as_deref()
            .and_then(|c| program.policy.channels.iter().position(|x| x == c))
            .and_then(|i| channels.get(i).copied())
            .unwrap_or(u16::MAX);
        Decided {
            outcome: d.outcome,
            channel,
        }
    }
}

/// The explained evaluations of one customer, made only when an example
/// needs the `because` of a `no_match` decision.
#[derive(Default)]
struct Explained {
    before: Option<Evaluation>,
    after: Option<Evaluation>,
}

impl Explained {
    fn before(&mut self, pair: &Pair, customer: &Customer, rule: &str) -> Option<Decision> {
        let e = self
            .before
            .get_or_insert_with(|| pair.evaluate(&pair.before, customer, true));
        e.decisions.iter().find(|d| d.rule == rule).cloned()
    }

    fn after(&mut self, pair: &Pair, customer: &Customer, rule: &str) -> Option<Decision> {
        let e = self
            .after
            .get_or_insert_with(|| pair.evaluate(&pair.after, customer, true));
        e.decisions.iter().find(|d| d.rule == rule).cloned()
    }
}

/// Whether a send or hold-out picked a variant (its message is one).
fn is_variant(d: &Decision) -> bool {
    d.outcome == Outcome::Send && d.detail.bucket.is_some()
}

/// The fields that differ between two decisions with the same outcome.
fn changed_fields(b: &Decision, a: &Decision) -> u8 {
    let mut set = 0;
    if b.message != a.message {
        set |= if is_variant(b) && is_variant(a) {
            field::VARIANT
        } else {
            field::MESSAGE
        };
    }
    if b.channel != a.channel {
        set |= field::CHANNEL;
    }
    if b.params != a.params {
        set |= field::PARAMS;
    }
    if b.deliver_at != a.deliver_at {
        set |= field::DELIVER_AT;
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_transition_stops_wanting_examples() {
        let wants = ExampleWants::new(3);
        let (b, a) = (Some(Outcome::NoMatch), Some(Outcome::Send));
        assert!(wants.wants(2, b, a, 0));
        wants.fill(2, b, a, 0);
        assert!(!wants.wants(2, b, a, 0));
        assert!(wants.wants(2, b, a, field::PARAMS));
        assert!(wants.wants(1, b, a, 0));
        assert!(!wants.wants(7, b, a, 0), "out of range wants nothing");
    }
}
