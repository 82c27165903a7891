//! Adding up compared customers, in input order, into the report: totals,
//! sends gained and lost by channel, per-rule outcome counts before and
//! after, and transitions with their first N example customers. Memory is
//! bounded by the number of rules, not of customers.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::compare::{field, state_index, CustomerDiff, ExampleWants, Pair, State};
use super::source::LoadedRuleset;
use super::why::Example;
use crate::decision::Outcome;
use crate::value::format_time;

/// Outcome counts of one rule on one side, in [`Outcome::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutcomeCounts(pub [u64; 7]);

impl OutcomeCounts {
    /// The count of one outcome.
    pub fn get(&self, outcome: Outcome) -> u64 {
        self.0.get(state_index(Some(outcome))).copied().unwrap_or(0)
    }
}

impl Serialize for OutcomeCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(Outcome::ALL.iter().map(|o| (o.as_str(), self.get(*o))))
    }
}

/// Whether a rule is in both rulesets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Only in the after ruleset.
    Added,
    /// Only in the before ruleset.
    Removed,
    /// In both, with at least one decision different.
    Changed,
    /// In both, every decision the same.
    Unchanged,
}

/// Customers whose decision for a rule went from one state to another
/// (`None`: the rule is not in that ruleset).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    /// The state before.
    pub before: State,
    /// The state after.
    pub after: State,
    /// For the same outcome: the fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<&'static str>,
    /// How many customers.
    pub customers: u64,
    /// The first customers of the transition, in input order.
    pub examples: Vec<Example>,
}

/// One rule before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDiff {
    /// The rule's name.
    pub rule: String,
    /// In both rulesets or one, changed or not.
    pub status: RuleStatus,
    /// Outcome counts over all customers (`None`: not in that ruleset).
    pub before: Option<OutcomeCounts>,
    /// Outcome counts after.
    pub after: Option<OutcomeCounts>,
    /// Customers whose decision for this rule changed.
    pub changed: u64,
    /// The transitions, largest first.
    pub transitions: Vec<Transition>,
}

/// Sends on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ChannelSends {
    /// The channel's name.
    pub channel: String,
    /// Sends before.
    pub before: u64,
    /// Sends after.
    pub after: u64,
    /// Sends (customer, rule) that only the after ruleset makes on this channel.
    pub gained: u64,
    /// Sends that only the before ruleset makes on this channel.
    pub lost: u64,
}

/// Which ruleset a side is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulesetSummary {
    /// As given: a directory or `REV:DIR`.
    pub label: String,
    /// The abbreviated commit, for `REV:DIR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The ruleset hash (it is in every decision id).
    pub hash: String,
    /// How many rules it has.
    pub rules: usize,
}

impl RulesetSummary {
    /// The summary of a loaded ruleset.
    pub fn of(loaded: &LoadedRuleset) -> RulesetSummary {
        RulesetSummary {
            label: loaded.label.clone(),
            commit: loaded.commit.clone(),
            hash: loaded.ruleset.hash().to_string(),
            rules: loaded.ruleset.program().rules.len(),
        }
    }
}

/// A line that was not a customer (both rulesets skip it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The input's name.
    pub file: String,
    /// The line (or the customer's position in a JSON array or YAML file).
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// What a rule change does to the decisions of a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The ruleset before the change.
    pub before: RulesetSummary,
    /// The ruleset after the change.
    pub after: RulesetSummary,
    /// The evaluation instant.
    pub now: String,
    /// Customers evaluated (valid or not).
    pub customers: u64,
    /// Customers whose snapshot does not fit a schema (every rule `error`).
    pub invalid_customers: u64,
    /// Customers with at least one decision different.
    pub changed_customers: u64,
    /// (customer, rule) decisions different.
    pub changed_decisions: u64,
    /// Sends before, over every channel.
    pub sends_before: u64,
    /// Sends after.
    pub sends_after: u64,
    /// Sends only the after ruleset makes (per customer, rule and channel).
    pub sends_gained: u64,
    /// Sends only the before ruleset makes.
    pub sends_lost: u64,
    /// By channel, in policy order.
    pub channels: Vec<ChannelSends>,
    /// Changed rules first (most customers first), then the rest by name.
    pub rules: Vec<RuleDiff>,
    /// The most examples kept per transition.
    pub examples_per_transition: usize,
    /// Input lines that were not customers.
    pub rejected_lines: u64,
    /// The first rejected lines.
    pub rejected: Vec<Rejected>,
}

impl DiffReport {
    /// Whether any decision differs.
    pub fn has_changes(&self) -> bool {
        self.changed_decisions > 0
    }
}

#[derive(Debug, Default)]
struct Tally {
    customers: u64,
    examples: Vec<Example>,
}

/// (rule, before state, after state, changed fields).
type Key = (u32, usize, usize, u8);

/// The most rejected lines listed in a report (all are counted).
pub const REJECTED_LISTED: usize = 100;

/// Adds up compared customers; feed it in input order.
#[derive(Debug)]
pub struct Accumulator {
    wants: Arc<ExampleWants>,
    examples: usize,
    customers: u64,
    invalid: u64,
    changed_customers: u64,
    changed_decisions: u64,
    /// Per rule: counts before and after (no_match filled in at the end).
    counts: Vec<[OutcomeCounts; 2]>,
    changed_per_rule: Vec<u64>,
    sends: Vec<ChannelSends>,
    transitions: HashMap<Key, Tally>,
    rejected_lines: u64,
    rejected: Vec<Rejected>,
}

fn state_of(index: usize) -> State {
    Outcome::ALL.get(index).copied()
}

impl Accumulator {
    /// An empty report for `pair`, keeping up to `examples` customers per
    /// transition.
    pub fn new(pair: &Pair, examples: usize) -> Accumulator {
        Accumulator {
            wants: pair.wants().clone(),
            examples,
            customers: 0,
            invalid: 0,
            changed_customers: 0,
            changed_decisions: 0,
            counts: vec![[OutcomeCounts::default(); 2]; pair.rules().len()],
            changed_per_rule: vec![0; pair.rules().len()],
            sends: pair
                .channels()
                .iter()
                .map(|c| ChannelSends {
                    channel: c.clone(),
                    ..ChannelSends::default()
                })
                .collect(),
            transitions: HashMap::new(),
            rejected_lines: 0,
            rejected: Vec::new(),
        }
    }

    /// Counts a line that is not a customer.
    pub fn reject(&mut self, file: &str, line: u64, reason: String) {
        self.rejected_lines += 1;
        if self.rejected.len() < REJECTED_LISTED {
            self.rejected.push(Rejected {
                file: file.to_string(),
                line,
                reason,
            });
        }
    }

    /// Adds one customer (the next in input order).
    pub fn add(&mut self, diff: CustomerDiff) {
        self.customers += 1;
        self.invalid += u64::from(diff.invalid);
        for d in &diff.decided {
            let Some(counts) = self.counts.get_mut(d.rule as usize) else {
                continue;
            };
            for (side, decided) in [d.before, d.after].into_iter().enumerate() {
                if let Some(x) = decided {
                    if let Some(n) = counts
                        .get_mut(side)
                        .and_then(|c| c.0.get_mut(state_index(Some(x.outcome))))
                    {
                        *n += 1;
                    }
                }
            }
            let send = |x: Option<super::compare::Decided>| {
                x.filter(|x| x.outcome == Outcome::Send).map(|x| x.channel)
            };
            let (b, a) = (send(d.before), send(d.after));
            if let Some(c) = b.and_then(|c| self.sends.get_mut(c as usize)) {
                c.before += 1;
                if a != b {
                    c.lost += 1;
                }
            }
            if let Some(c) = a.and_then(|c| self.sends.get_mut(c as usize)) {
                c.after += 1;
                if a != b {
                    c.gained += 1;
                }
            }
        }
        if !diff.changes.is_empty() {
            self.changed_customers += 1;
        }
        for change in diff.changes {
            self.changed_decisions += 1;
            if let Some(n) = self.changed_per_rule.get_mut(change.rule as usize) {
                *n += 1;
            }
            let key = (
                change.rule,
                state_index(change.before),
                state_index(change.after),
                change.fields,
            );
            let tally = self.transitions.entry(key).or_default();
            tally.customers += 1;
            if tally.examples.len() < self.examples {
                if let Some(example) = change.example {
                    tally.examples.push(*example);
                }
            }
            if tally.examples.len() >= self.examples {
                self.wants
                    .fill(change.rule, change.before, change.after, change.fields);
            }
        }
    }

    /// The report; `no_match` counts are the customers left over.
    pub fn finish(self, pair: &Pair, before: &LoadedRuleset, after: &LoadedRuleset) -> DiffReport {
        let mut transitions: Vec<Vec<Transition>> = vec![Vec::new(); pair.rules().len()];
        for ((rule, b, a, fields), tally) in self.transitions {
            if let Some(list) = transitions.get_mut(rule as usize) {
                list.push(Transition {
                    before: state_of(b),
                    after: state_of(a),
                    changed: field::names(fields),
                    customers: tally.customers,
                    examples: tally.examples,
                });
            }
        }
        let customers = self.customers;
        let mut rules: Vec<RuleDiff> = pair
            .rules()
            .iter()
            .zip(self.counts)
            .zip(transitions)
            .zip(self.changed_per_rule)
            .map(|(((info, [b, a]), mut transitions), changed)| {
                let complete = |mut c: OutcomeCounts| {
                    let decided: u64 = c.0.iter().sum();
                    if let Some(n) = c.0.get_mut(state_index(Some(Outcome::NoMatch))) {
                        *n = customers.saturating_sub(decided);
                    }
                    c
                };
                transitions.sort_by(|x, y| {
                    y.customers.cmp(&x.customers).then_with(|| {
                        (state_index(x.before), state_index(x.after), &x.changed).cmp(&(
                            state_index(y.before),
                            state_index(y.after),
                            &y.changed,
                        ))
                    })
                });
                RuleDiff {
                    rule: info.name.clone(),
                    status: match (info.in_before, info.in_after) {
                        (true, false) => RuleStatus::Removed,
                        (false, true) => RuleStatus::Added,
                        _ if changed > 0 => RuleStatus::Changed,
                        _ => RuleStatus::Unchanged,
                    },
                    before: info.in_before.then(|| complete(b)),
                    after: info.in_after.then(|| complete(a)),
                    changed,
                    transitions,
                }
            })
            .collect();
        rules.sort_by(|x, y| y.changed.cmp(&x.changed).then_with(|| x.rule.cmp(&y.rule)));
        let total = |f: fn(&ChannelSends) -> u64| self.sends.iter().map(f).sum::<u64>();
        DiffReport {
            before: RulesetSummary::of(before),
            after: RulesetSummary::of(after),
            now: format_time(pair.now().timestamp_micros()),
            customers,
            invalid_customers: self.invalid,
            changed_customers: self.changed_customers,
            changed_decisions: self.changed_decisions,
            sends_before: total(|c| c.before),
            sends_after: total(|c| c.after),
            sends_gained: total(|c| c.gained),
            sends_lost: total(|c| c.lost),
            channels: self.sends,
            rules,
            examples_per_transition: self.examples,
            rejected_lines: self.rejected_lines,
            rejected: self.rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ruleset;

    fn ruleset(days: u32, channel: &str) -> Ruleset {
        Ruleset::from_sources([(
            "r.nudge",
            format!(
                "schema {{ last_seen_at: time }}\npolicy {{ channels email, push }}\n\
                 rule come_back {{ when last_seen_at older than {days} days \
                 send {channel} \"come_back\" cooldown 7 days }}"
            ),
        )])
        .unwrap()
    }

    fn loaded(label: &str, ruleset: Ruleset) -> LoadedRuleset {
        LoadedRuleset {
            label: label.into(),
            commit: None,
            ruleset,
        }
    }

    /// Customers last seen 1..=10 days before now.
    fn run(before: Ruleset, after: Ruleset, examples: usize) -> DiffReport {
        let now = "2026-11-23T09:00:00Z".parse().unwrap();
        let pair = Pair::new(before.clone(), after.clone(), now);
        let mut acc = Accumulator::new(&pair, examples);
        for day in 1..=10 {
            let line = format!(
                r#"{{"id": "c{day:02}", "last_seen_at": "2026-11-{:02}T09:00:00Z"}}"#,
                23 - day
            );
            acc.add(pair.compare_json(&line).unwrap());
        }
        acc.reject("x.ndjson", 11, "not json".into());
        acc.finish(&pair, &loaded("a", before), &loaded("b", after))
    }

    #[test]
    fn examples_are_the_first_in_input_order_and_capped() {
        let r = run(ruleset(7, "email"), ruleset(3, "email"), 2);
        // Seen 4, 5, 6 and 7 days ago: newly older than 3 days, not 7.
        assert_eq!(r.changed_customers, 4);
        assert_eq!((r.sends_before, r.sends_after, r.sends_gained), (3, 7, 4));
        let t = &r.rules[0].transitions[0];
        assert_eq!(
            (t.before, t.after),
            (Some(Outcome::NoMatch), Some(Outcome::Send))
        );
        assert_eq!(t.customers, 4);
        let ids: Vec<&str> = t.examples.iter().map(|e| e.customer.as_str()).collect();
        assert_eq!(ids, ["c04", "c05"]);
        let counts = r.rules[0].before.unwrap();
        assert_eq!(
            (counts.get(Outcome::Send), counts.get(Outcome::NoMatch)),
            (3, 7)
        );
        assert_eq!((r.rejected_lines, r.rejected.len()), (1, 1));
    }

    #[test]
    fn a_new_channel_moves_sends_between_channels() {
        let r = run(ruleset(7, "email"), ruleset(7, "push"), 5);
        assert_eq!(r.changed_decisions, 3);
        let by = |c: &str| r.channels.iter().find(|x| x.channel == c).unwrap().clone();
        assert_eq!((by("email").lost, by("email").after), (3, 0));
        assert_eq!((by("push").gained, by("push").after), (3, 3));
        assert_eq!(r.rules[0].transitions[0].changed, ["channel"]);
    }

    #[test]
    fn the_same_rules_change_nothing() {
        let r = run(ruleset(7, "email"), ruleset(7, "email"), 5);
        assert!(!r.has_changes());
        assert_eq!(r.rules[0].status, RuleStatus::Unchanged);
    }
}
