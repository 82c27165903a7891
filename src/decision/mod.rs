//! Decision records, the audit log: one per rule and customer, with a
//! stable id, the reason in a sentence, the conditions that led to it and
//! the values they read, and the [`Evaluation`] that holds one customer's
//! decisions. A low layer: it imports no module that produces decisions
//! (arbitration and the ruleset import it).

pub mod explain;
pub mod json;

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::digest::hex;

/// What happened for one rule and one customer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The message goes out.
    Send,
    /// The customer matched but is in the rule's control group.
    HeldOut,
    /// A suppression (or consent) blocked the message.
    Suppressed,
    /// The rule sent this customer a message too recently.
    Cooldown,
    /// A frequency cap has no room left.
    Capped,
    /// The rule could not be evaluated for this customer (fails closed).
    Error,
    /// The rule's conditions do not hold.
    NoMatch,
}

impl Outcome {
    /// Every outcome, in the order summaries list them.
    pub const ALL: [Outcome; 7] = [
        Outcome::Send,
        Outcome::HeldOut,
        Outcome::Suppressed,
        Outcome::Cooldown,
        Outcome::Capped,
        Outcome::Error,
        Outcome::NoMatch,
    ];

    /// The name used in decision records, such as `held_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Send => "send",
            Outcome::HeldOut => "held_out",
            Outcome::Suppressed => "suppressed",
            Outcome::Cooldown => "cooldown",
            Outcome::Capped => "capped",
            Outcome::Error => "error",
            Outcome::NoMatch => "no_match",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One top-level `when` conjunct: its text, its value, and what it read.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Because {
    /// The condition's canonical source text.
    pub condition: String,
    /// `true`, `false`, or `null` when not evaluated (an earlier one was
    /// false) or when it failed.
    pub value: Option<bool>,
    /// Snapshot values read, e.g. `last_seen_at = 2026-11-12T17:30:00Z (10d 15h ago)`.
    pub read: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The runtime error that made the condition fail, if any.
    pub error: Option<String>,
}

/// Outcome specifics.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The suppression that blocked the message.
    pub suppression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The scope of that suppression (`all`, a channel or a rule).
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The cap that had no room left.
    pub cap: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// How many messages the cap's window already held.
    pub in_window: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The cooldown that applied, as written in the rule.
    pub cooldown: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// When this rule last sent to the customer.
    pub last_sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The holdout, as written in the rule.
    pub holdout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The customer's portable bucket (0–9,999).
    pub bucket: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The quiet hours that moved `deliver_at`.
    pub quiet_hours: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The time zone the quiet hours were read in.
    pub zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The runtime error behind an `error` outcome.
    pub error: Option<String>,
    /// `deliver at` (12.4): the schedule, e.g. `09:00 mon, thu`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scheduled: Option<String>,
    /// The channel whose `consent` clause blocked the send (12.6).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub consent: Option<String>,
    /// Channel fallback (12.5): the channels passed over, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub skipped: Vec<Skipped>,
}

/// A channel that a fallback send passed over, and why (12.5).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Skipped {
    /// The channel.
    pub channel: String,
    /// The outcome it would have had: `suppressed` or `capped`.
    pub outcome: Outcome,
    /// Why, in a sentence.
    pub reason: String,
}

impl Detail {
    /// True when no detail is set (the record omits `detail`).
    pub fn is_empty(&self) -> bool {
        let Detail {
            suppression,
            scope,
            cap,
            in_window,
            cooldown,
            last_sent_at,
            holdout,
            bucket,
            quiet_hours,
            zone,
            error,
            scheduled,
            consent,
            skipped,
        } = self;
        [
            suppression,
            scope,
            cap,
            cooldown,
            last_sent_at,
            holdout,
            quiet_hours,
            zone,
            error,
            scheduled,
            consent,
        ]
        .iter()
        .all(|f| f.is_none())
            && in_window.is_none()
            && bucket.is_none()
            && skipped.is_empty()
    }
}

/// One line of the audit log (docs/language.md#decision-records).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Decision {
    /// Stable id: the same customer, rule, instant and ruleset give the same id.
    pub decision_id: String,
    /// The customer's `id` (one allocation shared by the customer's records).
    pub customer: Arc<str>,
    /// The rule's name.
    pub rule: String,
    /// What happened.
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The channel of the message (`send`, `held_out` and blocked outcomes).
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The message name.
    pub message: Option<String>,
    /// The rule's tags (12.7); left out when it has none.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// The message parameters from the rule's `with`.
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    /// When to deliver (RFC 3339), after quiet hours.
    pub deliver_at: Option<String>,
    /// One sentence saying why this outcome.
    pub reason: String,
    /// Each top-level condition with its value and the values it read.
    pub because: Vec<Because>,
    #[serde(skip_serializing_if = "Detail::is_empty", default)]
    /// Which suppression, cap, cooldown or holdout decided, and with what.
    pub detail: Detail,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    /// Warnings met while deciding (such as an unknown time zone).
    pub warnings: Vec<String>,
    /// The evaluation instant (RFC 3339), shared by the customer's records.
    pub now: Arc<str>,
    /// The ruleset hash, shared by every record of the ruleset.
    pub ruleset: Arc<str>,
}

/// What a suppression said for a customer (for `explain`).
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressionCheck {
    /// The suppression's name.
    pub name: String,
    /// What it blocks, e.g. `all rules` or `channel email`.
    pub scope: String,
    /// Its condition's canonical source text.
    pub condition: String,
    /// The condition's value, or why it failed.
    pub result: Result<bool, String>,
    /// Whether arbitration needed it (a candidate in its scope reached it).
    pub consulted: bool,
    /// Snapshot values read.
    pub read: Vec<String>,
}

/// Everything decided for one customer: what
/// [`Ruleset::evaluation`](crate::Ruleset::evaluation) returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The customer's id.
    pub customer: String,
    /// One per rule in arbitration order; `no_match` only when explaining.
    pub decisions: Vec<Decision>,
    /// Filled when explaining.
    pub suppressions: Vec<SuppressionCheck>,
    /// Problems that made the snapshot invalid (then every decision is an
    /// `error`).
    pub problems: Vec<String>,
    /// Snapshot keys not in the schema (ignored).
    pub unknown_keys: u32,
    /// The first of them by name, with counts.
    pub unknown_key_names: crate::snapshot::UnknownKeyNames,
}

impl Evaluation {
    /// Whether the snapshot did not fit the schema.
    pub fn is_invalid(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The warnings of every decision (e.g. an unknown time zone for quiet
    /// hours), in decision order.
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.decisions
            .iter()
            .flat_map(|d| d.warnings.iter().map(String::as_str))
    }
}

/// The stable id of a decision: SHA-256 over the ruleset hash, customer id,
/// rule and instant (NUL-separated), first 16 bytes in hex. The same inputs
/// always give the same id, so senders can use it as an idempotency key.
pub fn decision_id(ruleset: &str, customer: &str, rule: &str, now: &str) -> String {
    IdSeed::new(ruleset).customer(customer).id(rule, now)
}

/// A ruleset's hash and the SHA-256 state after it: every decision id
/// starts there (a 64-character ruleset hash fills a whole block), so a
/// ruleset computes it once.
#[derive(Clone)]
pub struct IdSeed {
    hash: Arc<str>,
    seeded: Sha256,
}

impl IdSeed {
    /// The seed of the ruleset whose hash is `hash`.
    pub fn new(hash: &str) -> IdSeed {
        let mut seeded = Sha256::new();
        seeded.update(hash.as_bytes());
        seeded.update([0u8]);
        IdSeed {
            hash: Arc::from(hash),
            seeded,
        }
    }

    /// The ruleset hash.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The ruleset hash, to share with records.
    pub fn shared_hash(&self) -> Arc<str> {
        Arc::clone(&self.hash)
    }

    /// The ids of `customer`'s decisions.
    pub fn customer(&self, customer: &str) -> DecisionIds {
        let mut seeded = self.seeded.clone();
        seeded.update(customer.as_bytes());
        seeded.update([0u8]);
        DecisionIds { seeded }
    }
}

impl std::fmt::Debug for IdSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdSeed")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// The decision ids of one customer: the SHA-256 state after the ruleset
/// hash and the customer id, from [`IdSeed::customer`]; each rule's id
/// hashes only the rest.
#[derive(Clone)]
pub struct DecisionIds {
    seeded: Sha256,
}

impl DecisionIds {
    /// The id of `rule`'s decision at `now`, as [`decision_id`] gives it.
    pub fn id(&self, rule: &str, now: &str) -> String {
        let mut h = self.seeded.clone();
        for part in [rule, now] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        hex(digest.get(..16).unwrap_or(&[]))
    }
}

impl std::fmt::Debug for DecisionIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionIds").finish_non_exhaustive()
    }
}

/// The portable bucket of docs/language.md#ab-variants-and-holdouts: the first 8 bytes of
/// SHA-256 of `"{rule}:{kind}:{customer}"` as a big-endian u64, modulo 10 000.
pub fn bucket(rule: &str, kind: &str, customer: &str) -> u64 {
    let digest = Sha256::digest(format!("{rule}:{kind}:{customer}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first) % 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_ids_are_stable_and_distinct() {
        let a = decision_id("abc", "c1", "import_guide", "2026-11-23T09:00:00Z");
        assert_eq!(
            a,
            decision_id("abc", "c1", "import_guide", "2026-11-23T09:00:00Z")
        );
        assert_ne!(
            a,
            decision_id("abc", "c1", "import_guide", "2026-11-23T09:00:01Z")
        );
        assert_eq!(a.len(), 32);
    }
}
