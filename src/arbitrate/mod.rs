//! From rule results to outcomes (docs/language.md#how-arbitration-decides):
//! candidates in priority order, then for each the first of suppression (or
//! consent), cooldown, holdout, cap or send; the channel among a fallback
//! list; variants, the delivery time and quiet hours for sends.

mod channels;
mod quiet;
mod schedule;
#[cfg(test)]
mod tests;

pub use crate::decision::{Evaluation, SuppressionCheck};

use std::sync::Arc;

use crate::decision::{bucket, Because, Decision, DecisionIds, Detail, IdSeed, Outcome};
use crate::eval::{EvalError, Evaluator};
use crate::program::{walk, window, Message, Program, Rule, SuppressionScope};
use crate::snapshot::{Customer, InvalidSnapshot, SentMessage, Snapshot};
use crate::value::{format_duration, format_number, format_time, Micros, Value};

/// Evaluates every rule for one customer at `now` and arbitrates.
pub fn evaluate(
    program: &Program,
    ruleset: &IdSeed,
    customer: &Customer,
    now: Micros,
    explain: bool,
) -> Evaluation {
    let now_text: Arc<str> = Arc::from(format_time(now));
    match customer {
        Customer::Invalid(invalid) => invalid_snapshot(program, ruleset, invalid, &now_text),
        Customer::Valid(snapshot) => {
            let mut run = Run {
                program,
                hash: ruleset.shared_hash(),
                customer: Arc::from(snapshot.id.as_str()),
                ids: ruleset.customer(&snapshot.id),
                now_text,
                ev: Evaluator::new(program, snapshot, now),
                snapshot,
                now,
                explain,
                suppressions: Vec::new(),
                consents: Vec::new(),
                decided: Vec::new(),
                zone: None,
            };
            let decisions = run.decide();
            let suppressions = if explain {
                run.suppression_checks()
            } else {
                Vec::new()
            };
            Evaluation {
                customer: snapshot.id.clone(),
                decisions,
                suppressions,
                problems: Vec::new(),
                unknown_keys: snapshot.unknown_keys,
                unknown_key_names: snapshot.unknown_key_names.clone(),
            }
        }
    }
}

fn invalid_snapshot(
    program: &Program,
    seed: &IdSeed,
    invalid: &InvalidSnapshot,
    now: &Arc<str>,
) -> Evaluation {
    let summary = invalid.summary();
    let hash = seed.shared_hash();
    let customer: Arc<str> = Arc::from(invalid.id.as_str());
    let ids = seed.customer(&invalid.id);
    let decisions = program
        .rules
        .iter()
        .map(|rule| Decision {
            decision_id: ids.id(&rule.name, now),
            customer: Arc::clone(&customer),
            rule: rule.name.clone(),
            outcome: Outcome::Error,
            channel: None,
            message: None,
            tags: rule.tags.clone(),
            params: None,
            deliver_at: None,
            reason: format!("invalid snapshot, nothing is sent: {summary}"),
            because: Vec::new(),
            detail: Detail {
                error: Some(summary.clone()),
                ..Detail::default()
            },
            warnings: Vec::new(),
            now: Arc::clone(now),
            ruleset: Arc::clone(&hash),
        })
        .collect();
    Evaluation {
        customer: invalid.id.clone(),
        decisions,
        suppressions: Vec::new(),
        problems: invalid.problems.iter().map(ToString::to_string).collect(),
        unknown_keys: 0,
        unknown_key_names: crate::snapshot::UnknownKeyNames::default(),
    }
}

/// How many decisions [`Run::decide`] reserves room for at most.
const MAX_RESERVED_DECISIONS: usize = 4096;

struct Run<'a> {
    program: &'a Program,
    /// The ruleset hash, the customer's id and `now`, shared by the records.
    hash: Arc<str>,
    customer: Arc<str>,
    /// The customer's decision ids, seeded with the ruleset and customer.
    ids: DecisionIds,
    now_text: Arc<str>,
    ev: Evaluator<'a>,
    snapshot: &'a Snapshot,
    now: Micros,
    explain: bool,
    suppressions: Vec<Option<Result<bool, EvalError>>>,
    /// The policy's consent conditions, evaluated when first needed.
    consents: Vec<Option<Result<bool, EvalError>>>,
    /// Channels and tags of the sends and holdouts decided so far (they use
    /// cap room).
    decided: Vec<(u32, &'a [String])>,
    zone: Option<quiet::Zone>,
}

/// Whether a history entry was sent by this rule (on any of its channels).
fn belongs(program: &Program, m: &SentMessage, rule: &Rule) -> bool {
    match &m.rule {
        Some(r) => *r == rule.name,
        None => {
            rule.channels()
                .any(|c| program.channel_name(c) == m.channel)
                && match &rule.message {
                    Message::Single(s) => *s == m.message,
                    Message::Variants(v) => v.iter().any(|(name, _)| *name == m.message),
                }
        }
    }
}

/// The reason of a `send`, such as ``both conditions hold: send email
/// "m" deferred to 2026-11-23T13:00:00Z by `quiet hours 21:00 to 08:00` in
/// America/New_York``: pieces appended to one string (a record of every
/// send carries one, and `format!` cost a thousand instructions each).
fn send_reason(
    rule: &Rule,
    channel: &str,
    (message, bucket): &(String, Option<u64>),
    quiet: &Option<(String, String)>,
    deliver_at: &str,
) -> String {
    let mut reason = String::with_capacity(160);
    let mut push = |parts: &[&str]| parts.iter().for_each(|p| reason.push_str(p));
    match rule.conjuncts.len() {
        1 => push(&["its condition holds"]),
        2 => push(&["both conditions hold"]),
        n => push(&["all ", itoa::Buffer::new().format(n), " conditions hold"]),
    }
    push(&[": send ", channel, " \"", message, "\""]);
    if let Some(b) = bucket {
        push(&[" (variant by bucket ", itoa::Buffer::new().format(*b), ")"]);
    }
    match (quiet, &rule.deliver) {
        (Some((text, zone)), _) => {
            push(&[" deferred to ", deliver_at, " by `", text, "` in ", zone])
        }
        (None, Some(schedule)) => {
            push(&[" at ", deliver_at, " (`deliver at ", &schedule.text, "`)"])
        }
        (None, None) => push(&[" now"]),
    }
    reason
}

fn param_json(program: &Program, v: &Value) -> serde_json::Value {
    match v {
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Number(n) => serde_json::Number::from_f64(*n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Time(t) => serde_json::Value::String(format_time(*t)),
        Value::Enum(id, i) => program
            .schema
            .enums
            .get(*id as usize)
            .and_then(|m| m.get(*i as usize))
            .map(|s| serde_json::Value::String(s.clone()))
            .unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    }
}

impl<'a> Run<'a> {
    fn decide(&mut self) -> Vec<Decision> {
        let program = self.program;
        // At most one decision per rule: reserving them all up front costs less
        // than moving large decisions while the vector grows.
        let mut out = Vec::with_capacity(program.rules.len().min(MAX_RESERVED_DECISIONS));
        for rule in &program.rules {
            self.ev.forget_aggregates();
            let mut matched = Ok(true);
            for c in &rule.conjuncts {
                match self.ev.condition(&c.expr) {
                    Ok(true) => {}
                    Ok(false) => {
                        matched = Ok(false);
                        break;
                    }
                    Err(e) => {
                        matched = Err(e);
                        break;
                    }
                }
            }
            match matched {
                Ok(false) if !self.explain => {}
                Ok(false) => {
                    let because = self.because(rule);
                    let failing = because
                        .iter()
                        .find(|b| b.value == Some(false))
                        .map(|b| b.condition.clone())
                        .unwrap_or_default();
                    let mut d = self.record(
                        rule,
                        Outcome::NoMatch,
                        format!("`{failing}` is false"),
                        because,
                    );
                    d.channel = None;
                    out.push(d);
                }
                Err(e) => {
                    let because = self.because(rule);
                    out.push(self.failed(rule, "evaluation failed", &e, because));
                }
                Ok(true) => {
                    let d = self.arbitrate(rule);
                    out.push(d);
                }
            }
            if let Some(d) = out.last_mut().filter(|d| d.rule == rule.name) {
                self.local_time_warning(rule, d);
            }
        }
        out
    }

    /// A rule that read the customer's local time in the policy's default
    /// zone (their own zone was unknown) says so in its warnings.
    fn local_time_warning(&self, rule: &Rule, d: &mut Decision) {
        let Some((tz, problem)) = self.ev.zone_problem() else {
            return;
        };
        let program = self.program;
        let reads = rule
            .conjuncts
            .iter()
            .map(|c| &c.expr)
            .chain(rule.params.iter().map(|(_, e)| e))
            .any(|e| walk::reads_local_time(program, e));
        if reads {
            let warning = format!("{problem}; local time used {tz}");
            if !d.warnings.contains(&warning) {
                d.warnings.push(warning);
            }
        }
    }

    /// The `because` of a rule: every top-level conjunct with its value and
    /// reads, evaluated in order until the first that is not true.
    fn because(&mut self, rule: &Rule) -> Vec<Because> {
        let mut out = Vec::with_capacity(rule.conjuncts.len());
        let mut stop = false;
        for c in &rule.conjuncts {
            if stop {
                out.push(Because {
                    condition: c.text.clone(),
                    value: None,
                    read: Vec::new(),
                    error: None,
                });
                continue;
            }
            let (result, reads) = self.ev.traced(&c.expr);
            let read = reads;
            let (value, error) = match result {
                Ok(Value::Bool(b)) => (Some(b), None),
                Ok(_) => (None, Some(String::from("not a condition"))),
                Err(e) => (None, Some(e.to_string())),
            };
            stop = value != Some(true);
            out.push(Because {
                condition: c.text.clone(),
                value,
                read,
                error,
            });
        }
        out
    }

    fn record(
        &self,
        rule: &Rule,
        outcome: Outcome,
        reason: String,
        because: Vec<Because>,
    ) -> Decision {
        Decision {
            decision_id: self.ids.id(&rule.name, &self.now_text),
            customer: Arc::clone(&self.customer),
            rule: rule.name.clone(),
            outcome,
            channel: Some(self.program.channel_name(rule.channel).to_string()),
            message: None,
            tags: rule.tags.clone(),
            params: None,
            deliver_at: None,
            reason,
            because,
            detail: Detail::default(),
            warnings: Vec::new(),
            now: Arc::clone(&self.now_text),
            ruleset: Arc::clone(&self.hash),
        }
    }

    /// The `error` record of a rule whose evaluation failed: `what` failed,
    /// nothing is sent.
    fn failed(&self, rule: &Rule, what: &str, e: &EvalError, because: Vec<Because>) -> Decision {
        let reason = format!("{what}, nothing is sent: {e}");
        let mut d = self.record(rule, Outcome::Error, reason, because);
        d.detail.error = Some(e.to_string());
        d
    }

    fn suppression(&mut self, i: usize) -> Result<bool, EvalError> {
        if let Some(Some(r)) = self.suppressions.get(i) {
            return r.clone();
        }
        let Some(s) = self.program.suppressions.get(i) else {
            return Ok(false);
        };
        let r = self.ev.condition(&s.when);
        if self.suppressions.is_empty() {
            self.suppressions = vec![None; self.program.suppressions.len()];
        }
        if let Some(slot) = self.suppressions.get_mut(i) {
            *slot = Some(r.clone());
        }
        r
    }

    fn scope_text(&self, scope: &SuppressionScope) -> String {
        match scope {
            SuppressionScope::All => String::from("all rules"),
            SuppressionScope::Channel(c) => format!("channel {}", self.program.channel_name(*c)),
            SuppressionScope::Tag(t) => format!("tag {t}"),
        }
    }

    fn arbitrate(&mut self, rule: &'a Rule) -> Decision {
        let program = self.program;
        let because = self.because(rule);

        // 1. Suppressions and consent (fail closed), channel by channel: a
        // fallback send (12.5) passes over the channels they block.
        let mut skipped = Vec::new();
        let mut candidates: Vec<u32> = Vec::new();
        let mut first_veto = None;
        for ch in rule.channels() {
            match self.veto(rule, ch) {
                None => candidates.push(ch),
                Some(veto) => {
                    if first_veto.is_some() {
                        skipped.push(self.skipped_veto(ch, &veto));
                    }
                    first_veto.get_or_insert((ch, veto));
                }
            }
        }
        let Some(&first_open) = candidates.first() else {
            let Some((ch, veto)) = first_veto else {
                return self.record(rule, Outcome::Error, String::from("no channel"), because);
            };
            let mut d = self.vetoed(rule, ch, veto, because);
            d.detail.skipped = skipped;
            return d;
        };
        if let Some((ch, veto)) = &first_veto {
            skipped.insert(0, self.skipped_veto(*ch, veto));
        }
        // The channel to use: the first open one no cap on that channel
        // would exceed (for a single channel, the caps are checked below).
        let mut channel_id = first_open;
        if !rule.fallbacks.is_empty() {
            let mut capped = Vec::new();
            let mut open = None;
            for &ch in &candidates {
                match self.cap_block(rule, ch, true) {
                    None => {
                        open = Some(ch);
                        break;
                    }
                    Some(block) => capped.push(self.skipped_cap(ch, &block)),
                }
            }
            match open {
                Some(ch) => {
                    channel_id = ch;
                    skipped.extend(capped);
                }
                // Every open channel is capped: the first one's cap decides.
                None => skipped.extend(capped.into_iter().skip(1)),
            }
            let order = |name: &str| {
                rule.channels()
                    .position(|c| program.channel_name(c) == name)
            };
            skipped.sort_by_key(|s| order(&s.channel));
        }
        let channel = program.channel_name(channel_id).to_string();

        // 2. Cooldown from the delivery history.
        if let Some(cooldown) = rule.cooldown {
            let last = self
                .snapshot
                .messages
                .iter()
                .rev()
                .filter(|m| window::contains(self.now, Some(cooldown), m.at))
                .find(|m| belongs(program, m, rule));
            if let Some(m) = last {
                let reason = format!(
                    "in cooldown: last sent {} ({} ago), within its {} cooldown",
                    format_time(m.at),
                    format_duration(self.now.saturating_sub(m.at)),
                    format_duration(cooldown)
                );
                let mut d = self.record(rule, Outcome::Cooldown, reason, because);
                d.detail.cooldown = Some(format_duration(cooldown));
                d.detail.last_sent_at = Some(format_time(m.at));
                return d;
            }
        }

        let variant = self.variant(rule);

        // 3. Holdout: a control group that uses cap room as if sent.
        if let Some(share) = rule.holdout {
            let b = bucket(&rule.name, "holdout", &self.snapshot.id);
            if b < u64::from(share) {
                let pct = format_number(f64::from(share) / 100.0);
                let reason = format!(
                    "in the {pct}% holdout (bucket {b} < {share}): kept as a control, nothing is sent; counts against caps as if sent"
                );
                let mut d = self.record(rule, Outcome::HeldOut, reason, because);
                d.channel = Some(channel);
                d.message = Some(variant.0.clone());
                d.detail.holdout = Some(format!("{pct}%"));
                d.detail.bucket = Some(b);
                d.detail.skipped = skipped;
                self.decided.push((channel_id, &rule.tags));
                return d;
            }
        }

        // 4. Caps over the history plus this evaluation's sends and holdouts.
        if let Some(block) = self.cap_block(rule, channel_id, false) {
            let mut d = self.capped(rule, &block, because);
            d.channel = Some(channel);
            d.detail.skipped = skipped;
            return d;
        }

        // 5. Send: params, then delivery time outside quiet hours.
        let mut params = serde_json::Map::new();
        for (name, expr) in &rule.params {
            match self.ev.eval(expr, None) {
                Ok(v) => {
                    params.insert(name.clone(), param_json(program, &v));
                }
                Err(e) => {
                    let what = format!("evaluating `with {name}` failed");
                    return self.failed(rule, &what, &e, because);
                }
            }
        }
        let (start, schedule_warning) = match &rule.deliver {
            Some(schedule) => {
                let (at, warning) =
                    schedule::scheduled(&mut self.ev, &mut self.zone, schedule, self.now);
                (at, warning)
            }
            None => (self.now, None),
        };
        let mut delivery =
            quiet::delivery(program, &mut self.ev, &mut self.zone, channel_id, start);
        self.decided.push((channel_id, &rule.tags));
        let deliver_at = format_time(delivery.at);
        let reason = send_reason(rule, &channel, &variant, &delivery.quiet, &deliver_at);
        let mut d = self.record(rule, Outcome::Send, reason, because);
        d.channel = Some(channel);
        d.message = Some(variant.0);
        d.params = Some(params);
        d.detail.scheduled = rule.deliver.as_ref().map(|s| s.text.clone());
        d.detail.skipped = skipped;
        d.deliver_at = Some(deliver_at);
        if let Some((text, zone)) = delivery.quiet {
            d.detail.quiet_hours = Some(text);
            d.detail.zone = Some(zone);
        }
        if let Some(b) = variant.1 {
            d.detail.bucket = Some(b);
        }
        if let Some(w) = schedule_warning {
            delivery.warnings.insert(0, w);
        }
        d.warnings = delivery.warnings;
        d
    }

    /// The message to send: the single one, or the variant of the
    /// customer's bucket (with the bucket).
    fn variant(&self, rule: &Rule) -> (String, Option<u64>) {
        match &rule.message {
            Message::Single(m) => (m.clone(), None),
            Message::Variants(variants) => {
                let b = bucket(&rule.name, "variant", &self.snapshot.id);
                let mut cumulative = 0u64;
                for (name, share) in variants {
                    cumulative += u64::from(*share);
                    if cumulative > b {
                        return (name.clone(), Some(b));
                    }
                }
                let last = variants.last().map(|(n, _)| n.clone()).unwrap_or_default();
                (last, Some(b))
            }
        }
    }

    fn suppression_checks(&mut self) -> Vec<SuppressionCheck> {
        let program = self.program;
        let mut out = Vec::new();
        for (i, s) in program.suppressions.iter().enumerate() {
            let (result, reads) = self.ev.traced(&s.when);
            let consulted = self.suppressions.get(i).is_some_and(Option::is_some);
            out.push(SuppressionCheck {
                name: s.name.clone(),
                scope: self.scope_text(&s.scope),
                condition: s.text.clone(),
                result: match result {
                    Ok(Value::Bool(b)) => Ok(b),
                    Ok(_) => Err(String::from("not a condition")),
                    Err(e) => Err(e.to_string()),
                },
                consulted,
                read: reads,
            });
        }
        // Consent clauses (12.6): the opposite sense, a channel is open
        // only while its condition holds.
        for (i, c) in program.policy.consents.iter().enumerate() {
            let (result, reads) = self.ev.traced(&c.when);
            let name = program.channel_name(c.channel);
            out.push(SuppressionCheck {
                name: format!("consent {name}"),
                scope: format!("channel {name}, open only while it holds"),
                condition: c.text.clone(),
                result: match result {
                    Ok(Value::Bool(b)) => Ok(b),
                    Ok(_) => Err(String::from("not a condition")),
                    Err(e) => Err(e.to_string()),
                },
                consulted: self.consents.get(i).is_some_and(Option::is_some),
                read: reads,
            });
        }
        out
    }
}
