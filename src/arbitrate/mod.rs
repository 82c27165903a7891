//! From rule results to outcomes (docs/language.md#how-arbitration-decides): candidates in
//! priority order, then for each the first of suppression, cooldown,
//! holdout, cap or send; variants and quiet hours for sends.

mod quiet;
#[cfg(test)]
mod tests;

pub use crate::decision::{Evaluation, SuppressionCheck};

use crate::decision::{bucket, decision_id, Because, Decision, Detail, Outcome};
use crate::eval::{EvalError, Evaluator};
use crate::program::{walk, window, Message, Program, Rule, SuppressionScope};
use crate::snapshot::{Customer, InvalidSnapshot, SentMessage, Snapshot};
use crate::value::{format_duration, format_number, format_time, Micros, Value};

/// Evaluates every rule for one customer at `now` and arbitrates.
pub fn evaluate(
    program: &Program,
    ruleset_hash: &str,
    customer: &Customer,
    now: Micros,
    explain: bool,
) -> Evaluation {
    let now_text = format_time(now);
    match customer {
        Customer::Invalid(invalid) => invalid_snapshot(program, ruleset_hash, invalid, &now_text),
        Customer::Valid(snapshot) => {
            let mut run = Run {
                program,
                hash: ruleset_hash,
                now_text,
                ev: Evaluator::new(program, snapshot, now),
                snapshot,
                now,
                explain,
                suppressions: Vec::new(),
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
            }
        }
    }
}

fn invalid_snapshot(
    program: &Program,
    hash: &str,
    invalid: &InvalidSnapshot,
    now: &str,
) -> Evaluation {
    let summary = invalid.summary();
    let decisions = program
        .rules
        .iter()
        .map(|rule| Decision {
            decision_id: decision_id(hash, &invalid.id, &rule.name, now),
            customer: invalid.id.clone(),
            rule: rule.name.clone(),
            outcome: Outcome::Error,
            channel: None,
            message: None,
            params: None,
            deliver_at: None,
            reason: format!("invalid snapshot, nothing is sent: {summary}"),
            because: Vec::new(),
            detail: Detail {
                error: Some(summary.clone()),
                ..Detail::default()
            },
            warnings: Vec::new(),
            now: now.to_string(),
            ruleset: hash.to_string(),
        })
        .collect();
    Evaluation {
        customer: invalid.id.clone(),
        decisions,
        suppressions: Vec::new(),
        problems: invalid.problems.iter().map(ToString::to_string).collect(),
        unknown_keys: 0,
    }
}

struct Run<'a> {
    program: &'a Program,
    hash: &'a str,
    now_text: String,
    ev: Evaluator<'a>,
    snapshot: &'a Snapshot,
    now: Micros,
    explain: bool,
    suppressions: Vec<Option<Result<bool, EvalError>>>,
    /// Channels of the sends and holdouts decided so far (they use cap room).
    decided: Vec<u32>,
    zone: Option<quiet::Zone>,
}

/// Whether a history entry was sent by this rule.
fn belongs(m: &SentMessage, rule: &Rule, channel: &str) -> bool {
    match &m.rule {
        Some(r) => *r == rule.name,
        None => {
            m.channel == channel
                && match &rule.message {
                    Message::Single(s) => *s == m.message,
                    Message::Variants(v) => v.iter().any(|(name, _)| *name == m.message),
                }
        }
    }
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

impl Run<'_> {
    fn decide(&mut self) -> Vec<Decision> {
        let program = self.program;
        let mut out = Vec::with_capacity(if self.explain { program.rules.len() } else { 4 });
        for rule in &program.rules {
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
                    let mut d = self.record(
                        rule,
                        Outcome::Error,
                        format!("evaluation failed, nothing is sent: {e}"),
                        because,
                    );
                    d.detail.error = Some(e.to_string());
                    out.push(d);
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
            decision_id: decision_id(self.hash, &self.snapshot.id, &rule.name, &self.now_text),
            customer: self.snapshot.id.clone(),
            rule: rule.name.clone(),
            outcome,
            channel: Some(self.program.channel_name(rule.channel).to_string()),
            message: None,
            params: None,
            deliver_at: None,
            reason,
            because,
            detail: Detail::default(),
            warnings: Vec::new(),
            now: self.now_text.clone(),
            ruleset: self.hash.to_string(),
        }
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

    fn arbitrate(&mut self, rule: &Rule) -> Decision {
        let program = self.program;
        let channel = program.channel_name(rule.channel).to_string();
        let because = self.because(rule);

        // 1. Suppressions in scope (fail closed).
        for (i, s) in program.suppressions.iter().enumerate() {
            let applies = match &s.scope {
                SuppressionScope::All => true,
                SuppressionScope::Channel(c) => *c == rule.channel,
                SuppressionScope::Tag(t) => rule.tags.contains(t),
            };
            if !applies {
                continue;
            }
            let result = self.suppression(i);
            if matches!(result, Ok(false)) {
                continue;
            }
            let scope = self.scope_text(&s.scope);
            let (reason, error) = match result {
                Err(e) => (
                    format!("suppressed by `{}` ({scope}): its condition failed ({e}), so it blocks (fail closed)", s.name),
                    Some(e.to_string()),
                ),
                _ => (format!("suppressed by `{}` ({}), which blocks {scope}", s.name, s.text), None),
            };
            let mut d = self.record(rule, Outcome::Suppressed, reason, because);
            d.detail.suppression = Some(s.name.clone());
            d.detail.scope = Some(scope);
            d.detail.error = error;
            return d;
        }

        // 2. Cooldown from the delivery history.
        if let Some(cooldown) = rule.cooldown {
            let last = self
                .snapshot
                .messages
                .iter()
                .rev()
                .filter(|m| window::contains(self.now, Some(cooldown), m.at))
                .find(|m| belongs(m, rule, &channel));
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
                d.message = Some(variant.0.clone());
                d.detail.holdout = Some(format!("{pct}%"));
                d.detail.bucket = Some(b);
                self.decided.push(rule.channel);
                return d;
            }
        }

        // 4. Caps over the history plus this evaluation's sends and holdouts.
        for cap in &program.policy.caps {
            if cap.channel.is_some_and(|c| c != rule.channel) {
                continue;
            }
            let cap_channel = cap.channel.map(|c| program.channel_name(c));
            let history = self
                .snapshot
                .messages
                .iter()
                .filter(|m| {
                    !m.held_out
                        && window::contains(self.now, Some(cap.window), m.at)
                        && cap_channel.is_none_or(|c| m.channel == c)
                })
                .count();
            let now_decided = self
                .decided
                .iter()
                .filter(|c| cap.channel.is_none_or(|cc| cc == **c))
                .count();
            let in_window = (history + now_decided) as i64;
            if in_window + 1 > cap.count {
                let reason = format!(
                    "capped by `{}`: {in_window} already in the window ({history} sent before, {now_decided} decided in this evaluation)",
                    cap.text
                );
                let mut d = self.record(rule, Outcome::Capped, reason, because);
                d.detail.cap = Some(cap.text.clone());
                d.detail.in_window = Some(in_window);
                return d;
            }
        }

        // 5. Send: params, then delivery time outside quiet hours.
        let mut params = serde_json::Map::new();
        for (name, expr) in &rule.params {
            match self.ev.eval(expr, None) {
                Ok(v) => {
                    params.insert(name.clone(), param_json(program, &v));
                }
                Err(e) => {
                    let mut d = self.record(
                        rule,
                        Outcome::Error,
                        format!("evaluating `with {name}` failed, nothing is sent: {e}"),
                        because,
                    );
                    d.detail.error = Some(e.to_string());
                    return d;
                }
            }
        }
        let delivery = quiet::delivery(
            program,
            &mut self.ev,
            &mut self.zone,
            rule.channel,
            self.now,
        );
        self.decided.push(rule.channel);
        let n = rule.conjuncts.len();
        let conditions = match n {
            1 => String::from("its condition holds"),
            2 => String::from("both conditions hold"),
            n => format!("all {n} conditions hold"),
        };
        let what = match &variant.1 {
            Some(b) => format!("{channel} \"{}\" (variant by bucket {b})", variant.0),
            None => format!("{channel} \"{}\"", variant.0),
        };
        let when = match &delivery.quiet {
            Some((text, zone)) => format!(
                "deferred to {} by `{text}` in {zone}",
                format_time(delivery.at)
            ),
            None => String::from("now"),
        };
        let mut d = self.record(
            rule,
            Outcome::Send,
            format!("{conditions}: send {what} {when}"),
            because,
        );
        d.message = Some(variant.0);
        d.params = Some(params);
        d.deliver_at = Some(format_time(delivery.at));
        if let Some((text, zone)) = delivery.quiet {
            d.detail.quiet_hours = Some(text);
            d.detail.zone = Some(zone);
        }
        if let Some(b) = variant.1 {
            d.detail.bucket = Some(b);
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
        out
    }
}
