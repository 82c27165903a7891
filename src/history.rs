//! Earlier decision logs as message history (LANGUAGE.md 12.10), so that
//! cooldowns, caps and `sent` work across runs without the caller merging
//! anything into its snapshots.
//!
//! The logs are read once, line by line, into an in-memory index from
//! customer id to compact entries (names interned, 32 bytes an entry):
//! a `send` becomes `{rule, message, channel, at: deliver_at}`; a
//! `held_out` becomes an entry that counts only for its rule's cooldown,
//! at its `now`. Records are de-duplicated by `decision_id`; entries after
//! the run's `now` are dropped (they would be invisible anyway). Each
//! customer's snapshot then gets its entries added to its own `messages`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lines::{self, Problems, ReadError};
use crate::snapshot::{SentMessage, Snapshot};
use crate::value::{parse_time, Micros};

/// One history file, for the run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryFile {
    /// The log.
    pub path: PathBuf,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Decision records read from it (all outcomes).
    pub records: u64,
}

/// One message (or holdout) from an earlier run, with names interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: Micros,
    /// The first 8 bytes of the decision id, for de-duplication.
    id: u64,
    rule: u32,
    message: u32,
    channel: u32,
    held_out: bool,
}

/// The message history of every customer found in the logs.
#[derive(Debug, Default)]
pub struct History {
    names: Vec<Box<str>>,
    name_ids: HashMap<Box<str>, u32>,
    customers: HashMap<Box<str>, Vec<Entry>>,
    /// The logs read, in order.
    pub files: Vec<HistoryFile>,
    /// Lines that are not decision records, and records that cannot be used.
    pub problems: Problems,
}

/// The fields of a decision record that readers of decision logs (this
/// history, the lift report) need; the rest is skipped.
#[derive(Deserialize)]
pub(crate) struct LoggedDecision<'a> {
    /// Required by the history (it de-duplicates by it); hand-written logs
    /// for the report may leave it out.
    #[serde(borrow, default)]
    pub(crate) decision_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) customer: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) rule: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) outcome: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) channel: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) deliver_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) now: Cow<'a, str>,
}

impl<'a> LoggedDecision<'a> {
    /// Reads one log line; the error is the line's problem.
    pub(crate) fn parse(text: &'a str) -> Result<LoggedDecision<'a>, String> {
        serde_json::from_str(text).map_err(|e| {
            format!(
                "not a decision record: {}",
                crate::snapshot::json_error_message(&e)
            )
        })
    }

    /// Whether the record puts the customer in a rule's control group:
    /// `Some(false)` for a `send`, `Some(true)` for a `held_out`, `None` for
    /// any other outcome.
    pub(crate) fn held_out(&self) -> Option<bool> {
        match self.outcome.as_ref() {
            "send" => Some(false),
            "held_out" => Some(true),
            _ => None,
        }
    }
}

impl History {
    /// Reads decision logs (files, or directories of `.ndjson`/`.jsonl`
    /// files) for a run at `now`.
    pub fn load(paths: &[PathBuf], now: Micros) -> Result<History, ReadError> {
        let mut history = History::default();
        for path in lines::expand(paths)? {
            let mut hasher = Sha256::new();
            let mut records = 0;
            let mut problems = std::mem::take(&mut history.problems);
            lines::each_line_hashed(
                &path,
                &mut problems,
                Some(&mut hasher),
                |n, text, problems| match LoggedDecision::parse(text) {
                    Ok(r) => match r.decision_id.as_deref() {
                        Some(id) => {
                            records += 1;
                            if let Err(why) = history.add(&r, id, now) {
                                problems.push(&path, n, why);
                            }
                        }
                        None => problems.push(
                            &path,
                            n,
                            "not a decision record: missing field `decision_id`",
                        ),
                    },
                    Err(why) => problems.push(&path, n, why),
                },
            )?;
            history.problems = problems;
            history.files.push(HistoryFile {
                path,
                sha256: crate::ruleset::hex(&hasher.finalize()),
                records,
            });
        }
        for entries in history.customers.values_mut() {
            entries.sort_by_key(|e| (e.id, e.at));
            entries.dedup_by_key(|e| e.id);
            entries.sort_by_key(|e| e.at);
            entries.shrink_to_fit();
        }
        Ok(history)
    }

    fn add(
        &mut self,
        r: &LoggedDecision<'_>,
        decision_id: &str,
        now: Micros,
    ) -> Result<(), String> {
        let Some(held_out) = r.held_out() else {
            return Ok(());
        };
        let at_text = if held_out {
            r.now.as_ref()
        } else {
            r.deliver_at
                .as_deref()
                .ok_or("a `send` record without `deliver_at`")?
        };
        let at = parse_time(at_text).ok_or_else(|| format!("not a time: {at_text:?}"))?;
        if at > now {
            return Ok(());
        }
        let id = decision_id
            .get(..16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("`decision_id` is not a nudge id: {decision_id:?}"))?;
        let entry = Entry {
            at,
            id,
            rule: self.intern(&r.rule),
            message: self.intern(r.message.as_deref().unwrap_or("")),
            channel: self.intern(r.channel.as_deref().unwrap_or("")),
            held_out,
        };
        match self.customers.get_mut(r.customer.as_ref()) {
            Some(list) => list.push(entry),
            None => {
                self.customers
                    .insert(Box::from(r.customer.as_ref()), vec![entry]);
            }
        }
        Ok(())
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.name_ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(Box::from(name));
        self.name_ids.insert(Box::from(name), id);
        id
    }

    fn name(&self, id: u32) -> String {
        self.names
            .get(id as usize)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }

    /// Customers with at least one entry.
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    /// Entries over all customers.
    pub fn entries(&self) -> usize {
        self.customers.values().map(Vec::len).sum()
    }

    /// Adds the customer's history to its snapshot's own `messages`, kept
    /// sorted by time.
    pub fn extend(&self, snapshot: &mut Snapshot) {
        let Some(entries) = self.customers.get(snapshot.id.as_str()) else {
            return;
        };
        snapshot
            .messages
            .extend(entries.iter().map(|e| SentMessage {
                rule: Some(self.name(e.rule)),
                message: self.name(e.message),
                channel: self.name(e.channel),
                at: e.at,
                tags: None,
                held_out: e.held_out,
            }));
        snapshot.messages.sort_by_key(|m| m.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, outcome: &str, now: &str, deliver: Option<&str>) -> String {
        let deliver = deliver
            .map(|d| format!(r#", "deliver_at": "{d}""#))
            .unwrap_or_default();
        format!(
            r#"{{"decision_id": "{id}", "customer": "c1", "rule": "r", "outcome": "{outcome}", "channel": "email", "message": "m", "now": "{now}"{deliver}, "reason": "", "because": [], "ruleset": ""}}"#
        )
    }

    #[test]
    fn sends_and_holdouts_become_history_once_and_only_up_to_now() {
        let dir = std::env::temp_dir().join(format!("nudge-history-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = [
            record(
                "00000000000000aa",
                "send",
                "2026-11-01T09:00:00Z",
                Some("2026-11-01T10:00:00Z"),
            ),
            record(
                "00000000000000aa",
                "send",
                "2026-11-01T09:00:00Z",
                Some("2026-11-01T10:00:00Z"),
            ),
            record("00000000000000bb", "held_out", "2026-11-08T09:00:00Z", None),
            record("00000000000000cc", "cooldown", "2026-11-09T09:00:00Z", None),
            record(
                "00000000000000dd",
                "send",
                "2026-11-30T09:00:00Z",
                Some("2026-11-30T09:00:00Z"),
            ),
            String::from("{}"),
        ];
        std::fs::write(dir.join("a.ndjson"), log.join("\n")).unwrap();
        std::fs::write(dir.join("run.json"), "{\"not\": \"a log\"}").unwrap();
        let now = parse_time("2026-11-23T09:00:00Z").unwrap();
        let history = History::load(std::slice::from_ref(&dir), now).unwrap();
        assert_eq!(history.files.len(), 1, "the manifest is not a log");
        assert_eq!(history.files[0].records, 5);
        assert_eq!(history.problems.count, 1);
        assert_eq!((history.customers(), history.entries()), (1, 2));
        let mut snapshot = Snapshot {
            id: String::from("c1"),
            ..Snapshot::default()
        };
        history.extend(&mut snapshot);
        let got: Vec<_> = snapshot
            .messages
            .iter()
            .map(|m| (crate::value::format_time(m.at), m.held_out))
            .collect();
        assert_eq!(
            got,
            [
                (String::from("2026-11-01T10:00:00Z"), false),
                (String::from("2026-11-08T09:00:00Z"), true)
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod across_runs {
    use super::*;
    use crate::snapshot::Customer;
    use crate::Ruleset;

    const RULES: &str = include_str!("../tests/fixtures/history/rules.nudge");

    /// Day 1's decisions as history make day 2 `cooldown` for treated and
    /// held-out customers alike; only sends fill caps.
    #[test]
    fn yesterdays_log_is_todays_history() {
        let ruleset = Ruleset::from_sources([("rules.nudge", RULES)]).unwrap();
        let day1 = "2026-11-23T09:00:00Z".parse().unwrap();
        let day2: chrono::DateTime<chrono::Utc> = "2026-11-24T09:00:00Z".parse().unwrap();
        let ids: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let read = |id: &str| match ruleset
            .read_customer(&format!(r#"{{"id": "{id}", "plan": "trial"}}"#))
            .unwrap()
        {
            Customer::Valid(s) => s,
            Customer::Invalid(i) => panic!("{i:?}"),
        };
        let mut log = String::new();
        let mut held = Vec::new();
        for id in &ids {
            for d in ruleset.evaluate(&Customer::Valid(read(id)), day1) {
                if d.outcome == crate::Outcome::HeldOut {
                    held.push(id.clone());
                }
                log.push_str(&serde_json::to_string(&d).unwrap());
                log.push('\n');
            }
        }
        assert!(!held.is_empty() && held.len() < ids.len());
        let dir = std::env::temp_dir().join(format!("nudge-history-runs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("day1.ndjson");
        std::fs::write(&path, log).unwrap();
        let history = History::load(&[path], day2.timestamp_micros()).unwrap();
        assert_eq!(history.problems.count, 0);
        for id in &ids {
            let mut snapshot = read(id);
            history.extend(&mut snapshot);
            let decisions = ruleset.evaluate(&Customer::Valid(snapshot), day2);
            let outcome = |rule: &str| {
                decisions
                    .iter()
                    .find(|d| d.rule == rule)
                    .map(|d| d.outcome)
                    .unwrap()
            };
            assert_eq!(outcome("welcome"), crate::Outcome::Cooldown, "{id}");
            let tip = if held.contains(id) {
                crate::Outcome::Send
            } else {
                crate::Outcome::Capped
            };
            assert_eq!(outcome("tip"), tip, "{id}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
