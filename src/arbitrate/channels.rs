//! What blocks a rule on one channel: suppressions in scope and the
//! channel's `consent` (12.6), both failing closed, and caps (per channel,
//! overall, per tag, 12.7). A fallback send (12.5) tries its channels in
//! order and records the ones it passed over in `detail.skipped`.

use super::Run;
use crate::decision::{Because, Decision, Detail, Outcome, Skipped};
use crate::eval::EvalError;
use crate::program::{window, Cap, Rule, SuppressionScope};

/// Why a channel is closed to a rule before caps: a suppression (by index)
/// or the channel's consent (by index), with the evaluation error when it
/// failed (fail closed).
pub(super) enum Veto {
    Suppression(usize, Option<EvalError>),
    Consent(usize, Option<EvalError>),
}

/// A cap that a send would exceed, with the counts behind it.
pub(super) struct CapBlock<'a> {
    cap: &'a Cap,
    in_window: i64,
    history: usize,
    decided: usize,
}

impl<'a> Run<'a> {
    /// The first suppression in scope that holds (in declaration order),
    /// else the channel's consent when it does not hold.
    pub(super) fn veto(&mut self, rule: &Rule, channel: u32) -> Option<Veto> {
        let program = self.program;
        for (i, s) in program.suppressions.iter().enumerate() {
            let applies = match &s.scope {
                SuppressionScope::All => true,
                SuppressionScope::Channel(c) => *c == channel,
                SuppressionScope::Tag(t) => rule.tags.contains(t),
            };
            if !applies {
                continue;
            }
            match self.suppression(i) {
                Ok(false) => continue,
                Ok(true) => return Some(Veto::Suppression(i, None)),
                Err(e) => return Some(Veto::Suppression(i, Some(e))),
            }
        }
        let i = program
            .policy
            .consents
            .iter()
            .position(|c| c.channel == channel)?;
        match self.consent(i) {
            Ok(true) => None,
            Ok(false) => Some(Veto::Consent(i, None)),
            Err(e) => Some(Veto::Consent(i, Some(e))),
        }
    }

    /// A consent condition, evaluated once per customer.
    fn consent(&mut self, i: usize) -> Result<bool, EvalError> {
        if let Some(Some(r)) = self.consents.get(i) {
            return r.clone();
        }
        let Some(c) = self.program.policy.consents.get(i) else {
            return Ok(true);
        };
        let r = self.ev.condition(&c.when);
        if self.consents.is_empty() {
            self.consents = vec![None; self.program.policy.consents.len()];
        }
        if let Some(slot) = self.consents.get_mut(i) {
            *slot = Some(r.clone());
        }
        r
    }

    /// The reason and detail of a veto.
    fn veto_text(&self, channel: u32, veto: &Veto) -> (String, Detail) {
        let program = self.program;
        let mut detail = Detail::default();
        let reason = match veto {
            Veto::Suppression(i, error) => {
                let Some(s) = program.suppressions.get(*i) else {
                    return (String::new(), detail);
                };
                let scope = self.scope_text(&s.scope);
                detail.suppression = Some(s.name.clone());
                detail.error = error.as_ref().map(ToString::to_string);
                let reason = match error {
                    Some(e) => format!("suppressed by `{}` ({scope}): its condition failed ({e}), so it blocks (fail closed)", s.name),
                    None => format!("suppressed by `{}` ({}), which blocks {scope}", s.name, s.text),
                };
                detail.scope = Some(scope);
                reason
            }
            Veto::Consent(i, error) => {
                let name = program.channel_name(channel);
                let text = program
                    .policy
                    .consents
                    .get(*i)
                    .map(|c| c.text.as_str())
                    .unwrap_or_default();
                detail.consent = Some(name.to_string());
                detail.error = error.as_ref().map(ToString::to_string);
                match error {
                    Some(e) => format!("no consent for {name}: `consent {name} when {text}` failed ({e}), so it blocks (fail closed)"),
                    None => format!("no consent for {name}: `consent {name} when {text}` does not hold"),
                }
            }
        };
        (reason, detail)
    }

    /// The `suppressed` record of a rule whose every channel is vetoed: the
    /// first channel's veto.
    pub(super) fn vetoed(
        &self,
        rule: &Rule,
        channel: u32,
        veto: Veto,
        because: Vec<Because>,
    ) -> Decision {
        let (reason, detail) = self.veto_text(channel, &veto);
        let mut d = self.record(rule, Outcome::Suppressed, reason, because);
        d.channel = Some(self.program.channel_name(channel).to_string());
        d.detail = detail;
        d
    }

    /// A channel a fallback send passed over because of a veto.
    pub(super) fn skipped_veto(&self, channel: u32, veto: &Veto) -> Skipped {
        Skipped {
            channel: self.program.channel_name(channel).to_string(),
            outcome: Outcome::Suppressed,
            reason: self.veto_text(channel, veto).0,
        }
    }

    /// The first cap (in declaration order) that one more message of `rule`
    /// on `channel` would exceed; with `channel_only`, only caps scoped to
    /// the channel.
    pub(super) fn cap_block(
        &self,
        rule: &Rule,
        channel: u32,
        channel_only: bool,
    ) -> Option<CapBlock<'a>> {
        let program = self.program;
        for cap in &program.policy.caps {
            if cap.channel.is_some_and(|c| c != channel)
                || (channel_only && cap.channel.is_none())
                || cap.tag.as_ref().is_some_and(|t| !rule.tags.contains(t))
            {
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
                        && cap.tag.as_ref().is_none_or(|t| match &m.tags {
                            Some(tags) => tags.contains(t),
                            None => m
                                .rule
                                .as_ref()
                                .and_then(|r| program.rule(r))
                                .is_some_and(|r| r.tags.contains(t)),
                        })
                })
                .count();
            let decided = self
                .decided
                .iter()
                .filter(|(c, tags)| {
                    cap.channel.is_none_or(|cc| cc == *c)
                        && cap.tag.as_ref().is_none_or(|t| tags.contains(t))
                })
                .count();
            let in_window = (history + decided) as i64;
            if in_window + 1 > cap.count {
                return Some(CapBlock {
                    cap,
                    in_window,
                    history,
                    decided,
                });
            }
        }
        None
    }

    /// `capped by `CAP`: N already in the window (H sent before, D decided
    /// in this evaluation)`, written without `format!`: most records of a
    /// large ruleset are capped.
    fn cap_reason(block: &CapBlock<'_>) -> String {
        let mut itoa = itoa::Buffer::new();
        let mut out = String::with_capacity(block.cap.text.len() + 96);
        out.push_str("capped by `");
        out.push_str(&block.cap.text);
        out.push_str("`: ");
        out.push_str(itoa.format(block.in_window));
        out.push_str(" already in the window (");
        out.push_str(itoa.format(block.history));
        out.push_str(" sent before, ");
        out.push_str(itoa.format(block.decided));
        out.push_str(" decided in this evaluation)");
        out
    }

    /// The `capped` record.
    pub(super) fn capped(
        &self,
        rule: &Rule,
        block: &CapBlock<'_>,
        because: Vec<Because>,
    ) -> Decision {
        let mut d = self.record(rule, Outcome::Capped, Self::cap_reason(block), because);
        d.detail.cap = Some(block.cap.text.clone());
        d.detail.in_window = Some(block.in_window);
        d
    }

    /// A channel a fallback send passed over because of a cap on it.
    pub(super) fn skipped_cap(&self, channel: u32, block: &CapBlock<'_>) -> Skipped {
        Skipped {
            channel: self.program.channel_name(channel).to_string(),
            outcome: Outcome::Capped,
            reason: Self::cap_reason(block),
        }
    }
}
