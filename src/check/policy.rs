//! The policy block: channels, the activity and timezone expressions, quiet
//! hours, frequency caps (per channel or per tag) and consent clauses.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::{Checker, Single};
use crate::diagnostic::{Code, Diagnostic};
use crate::program::{Cap, Consent, QuietHours, Type};
use crate::syntax::ast::{self, Item, PolicyClauseKind};
use crate::syntax::{canonical, Span};

impl Checker {
    pub(super) fn policy(&mut self, items: &[&Item]) {
        let Some(Item::Policy(policy)) = self.first_block(items, Single::Policy) else {
            return;
        };
        self.has_policy = true;
        // Channels first: the other clauses refer to them.
        self.policy_channels(policy);
        let mut consent_spans: Vec<(u32, Span)> = Vec::new();
        for clause in &policy.clauses {
            match &clause.kind {
                PolicyClauseKind::Activity(e) => {
                    self.activity_declared = true;
                    let what = "the policy's `activity` must be a time";
                    if let Some(e) = self.root_of_type(e, &Type::Time, what) {
                        self.policy.activity = Some(e);
                    }
                }
                PolicyClauseKind::Timezone(e) => {
                    let what = "the policy's `timezone` must be a string";
                    if let Some(e) = self.root_of_type(e, &Type::String, what) {
                        self.policy.timezone = Some(e);
                    }
                    self.timezone_literals(e);
                }
                PolicyClauseKind::QuietHours { from, to, channels } => {
                    let text = canonical::policy_clause(&clause.kind);
                    self.quiet_hours(clause.span, from, to, channels, text)
                }
                PolicyClauseKind::Cap {
                    count,
                    channel,
                    per,
                    tag,
                    ..
                } => {
                    let text = canonical::policy_clause(&clause.kind);
                    self.cap(*count, channel.as_ref(), tag.as_ref(), per, text)
                }
                PolicyClauseKind::Consent { channel, when } => {
                    self.consent(clause.span, channel, when, &mut consent_spans)
                }
                PolicyClauseKind::Channels(_) => {}
            }
        }
    }

    /// The `channels` clause, and each of `channels`, `activity` and
    /// `timezone` given at most once.
    fn policy_channels(&mut self, policy: &ast::PolicyBlock) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for clause in &policy.clauses {
            let key = match &clause.kind {
                PolicyClauseKind::Channels(_) => "channels",
                PolicyClauseKind::Activity(_) => "activity",
                PolicyClauseKind::Timezone(_) => "timezone",
                _ => continue,
            };
            if let Some(prev) = seen.get(key) {
                let prev = *prev;
                self.given_twice(
                    clause.span,
                    prev,
                    format!("`{key}` is given twice in the policy"),
                    format!("keep one `{key}` clause"),
                );
                continue;
            }
            seen.insert(key, clause.span);
            if let PolicyClauseKind::Channels(channels) = &clause.kind {
                for ch in channels {
                    if !self.declared_name(ch, "a channel") {
                        continue;
                    }
                    if self.policy.channels.contains(&ch.name) {
                        self.listed_twice(ch.span, format!("channel `{}`", ch.name));
                        continue;
                    }
                    self.policy.channels.push(ch.name.clone());
                    self.channel_spans.push(ch.span);
                }
            }
        }
    }

    /// `quiet hours HH:MM to HH:MM [for channels]`, whose canonical text is
    /// `text`.
    fn quiet_hours(
        &mut self,
        span: Span,
        from: &ast::ClockLit,
        to: &ast::ClockLit,
        channels: &[ast::Ident],
        text: String,
    ) {
        let minutes = |c: &ast::ClockLit| c.hour * 60 + c.minute;
        if minutes(from) == minutes(to) {
            self.report(
                Diagnostic::error(
                    Code::EmptyQuietHours,
                    span,
                    "quiet hours that start and end at the same time cover no time",
                )
                .with_label("empty range")
                .with_help("give different times, e.g. `quiet hours 21:00 to 08:00`"),
            );
        }
        let mut ids = Vec::new();
        for ch in channels {
            if let Some(id) = self.channel(ch) {
                ids.push(id);
            }
        }
        self.policy.quiet_hours.push(QuietHours {
            from: minutes(from),
            to: minutes(to),
            channels: (!channels.is_empty()).then_some(ids),
            text,
        });
    }

    /// `at most N [channel] messages [tagged T] per D`, whose canonical text
    /// is `text`.
    fn cap(
        &mut self,
        count: i64,
        channel: Option<&ast::Ident>,
        tag: Option<&ast::Ident>,
        per: &ast::DurationLit,
        text: String,
    ) {
        if tag.is_some_and(|t| !self.declared_name(t, "a tag")) {
            return;
        }
        let channel_id = match channel {
            Some(ch) => match self.channel(ch) {
                Some(id) => Some(id),
                None => return,
            },
            None => None,
        };
        if per.seconds() <= 0 {
            self.report(
                Diagnostic::error(
                    Code::BadDuration,
                    per.span,
                    "a cap's window must be longer than zero",
                )
                .with_label("empty window")
                .with_help("write e.g. `per 7 days`"),
            );
            return;
        }
        self.policy.caps.push(Cap {
            count,
            channel: channel_id,
            window: per
                .seconds()
                .saturating_mul(crate::value::MICROS_PER_SECOND),
            text,
            tag: tag.map(|t| t.name.clone()),
        });
    }

    /// `consent CHANNEL when EXPR`: at most one per channel.
    fn consent(
        &mut self,
        span: Span,
        channel: &ast::Ident,
        when: &ast::Expr,
        seen: &mut Vec<(u32, Span)>,
    ) {
        let id = self.channel(channel);
        let condition = self.condition(when, "a consent's `when` must be a condition");
        let Some(id) = id else { return };
        if let Some((_, prev)) = seen.iter().find(|(c, _)| *c == id) {
            let prev = *prev;
            self.given_twice(
                span,
                prev,
                format!("`consent {}` is given twice in the policy", channel.name),
                format!(
                    "a channel has at most one consent clause: join the conditions with `and` or `or` in one `consent {} when …`",
                    channel.name
                ),
            );
            return;
        }
        seen.push((id, span));
        if let Some(condition) = condition {
            self.policy.consents.push(Consent {
                channel: id,
                when: condition,
                text: canonical::expr(when),
            });
        }
    }

    /// String literals in the timezone expression must be IANA zone names;
    /// the literal default (`?? "UTC"`) is the fallback zone.
    pub(super) fn timezone_literals(&mut self, e: &ast::Expr) {
        let mut literals = Vec::new();
        collect_strings(e, &mut literals);
        for (value, span) in &literals {
            match value.parse::<Tz>() {
                Ok(tz) => {
                    if let ast::ExprKind::Default(_, rhs) = &e.kind {
                        if rhs.span == *span {
                            self.policy.default_zone = tz;
                        }
                    }
                }
                Err(_) => {
                    let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                    self.report(
                        Diagnostic::unknown(Code::UnknownZone, *span, "time zone", value)
                        .with_label("not an IANA time zone name")
                        .with_suggestion(
                            value,
                            names,
                            "use an IANA name such as `UTC`, `Europe/Paris` or `America/New_York`",
                        ),
                    );
                }
            }
        }
    }

    /// Resolves a channel name against the policy's `channels`.
    pub(super) fn channel(&mut self, ident: &ast::Ident) -> Option<u32> {
        if let Some(i) = self.policy.channels.iter().position(|c| *c == ident.name) {
            return Some(i as u32);
        }
        let channels = &self.policy.channels;
        let otherwise = if channels.is_empty() {
            format!(
                "declare the channels in the policy: `policy {{ channels {} }}`",
                ident.name
            )
        } else {
            format!(
                "the channels are {}; add `{}` to the policy's `channels` to use it",
                channels.join(", "),
                ident.name
            )
        };
        let d = Diagnostic::unknown(Code::UnknownChannel, ident.span, "channel", &ident.name)
            .with_label("not declared in the policy's `channels`")
            .with_suggestion(&ident.name, channels.iter().map(String::as_str), otherwise);
        self.report(d);
        None
    }
}

fn collect_strings(e: &ast::Expr, out: &mut Vec<(String, Span)>) {
    match &e.kind {
        ast::ExprKind::Str(s) => out.push((s.clone(), e.span)),
        ast::ExprKind::Default(a, b) => {
            collect_strings(a, out);
            collect_strings(b, out);
        }
        ast::ExprKind::Paren(x) => collect_strings(x, out),
        _ => {}
    }
}
