//! The version 1.1 delivery clauses of a rule: channel fallback
//! (`send email or push`, 12.5) and the delivery time (`deliver at 09:00 on
//! mon, thu`, 12.4).

use super::Checker;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::program::Schedule;
use crate::syntax::{ast, canonical};

/// The weekday names of `deliver at … on DAY`, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Checker {
    /// The channels after `or`: declared, and each listed once.
    pub(super) fn fallbacks(&mut self, send: &ast::SendClause, ok: &mut bool) -> Vec<u32> {
        let mut out = Vec::new();
        let mut listed: Vec<&str> = vec![send.channel.name.as_str()];
        for f in &send.fallbacks {
            if listed.contains(&f.name.as_str()) {
                self.repeated(
                    f.span,
                    format!("channel `{}` is listed twice in this send", f.name),
                    "already tried earlier in the list",
                    "a fallback list names each channel once: remove the repetition",
                );
                *ok = false;
                continue;
            }
            listed.push(&f.name);
            match self.channel(f) {
                Some(id) => out.push(id),
                None => *ok = false,
            }
        }
        out
    }

    /// `deliver at HH:MM [on DAY, …]`: weekday names, each once.
    pub(super) fn schedule(
        &mut self,
        at: &ast::ClockLit,
        days: &[ast::Ident],
        ok: &mut bool,
    ) -> Option<Schedule> {
        let mut ids = Vec::new();
        for d in days {
            let Some(i) = weekday(&d.name) else {
                let lower = d.name.to_ascii_lowercase();
                let guess = WEEKDAYS
                    .iter()
                    .find(|w| lower.starts_with(**w))
                    .copied()
                    .or_else(|| did_you_mean(&d.name, WEEKDAYS.iter().copied()));
                let d = Diagnostic::error(
                    Code::UnknownWeekday,
                    d.span,
                    format!("`{}` is not a weekday", d.name),
                )
                .with_label("expected a weekday");
                self.report(match guess {
                    Some(g) => d.with_help(format!("did you mean `{g}`?")),
                    None => d.with_help(format!("write weekdays as {}", WEEKDAYS.join(", "))),
                });
                *ok = false;
                continue;
            };
            if ids.contains(&i) {
                self.listed_twice(d.span, format!("`{}`", d.name));
                *ok = false;
                continue;
            }
            ids.push(i);
        }
        let mut text = canonical::clock(at);
        if !days.is_empty() {
            text.push(' ');
            text.push_str(&canonical::names(days));
        }
        Some(Schedule {
            minute: at.hour * 60 + at.minute,
            days: ids,
            text,
        })
    }
}

/// Monday = 0.
fn weekday(name: &str) -> Option<u32> {
    WEEKDAYS.iter().position(|w| *w == name).map(|i| i as u32)
}
