//! The customer's local time: their zone (the policy's `timezone`; the
//! policy's default zone when the name is unknown, with the reason) and what
//! `local_hour`, `local_minute` and `local_weekday` read of an instant.

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

use super::Evaluator;
use crate::program::{LocalPart, WEEKDAYS};
use crate::value::{Micros, Value};

/// The zone local times are read in for one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// The zone.
    pub tz: Tz,
    /// Why the policy's default zone is used instead of the customer's
    /// (`unknown time zone "Mars/Olympus"`), if it is.
    pub problem: Option<String>,
}

impl Evaluator<'_> {
    /// The customer's zone, resolved once per customer.
    pub fn zone(&mut self) -> Zone {
        if let Some(zone) = &self.zone {
            return zone.clone();
        }
        let fallback = self.program.policy.default_zone;
        let zone = match &self.program.policy.timezone {
            None => Zone {
                tz: fallback,
                problem: None,
            },
            Some(expr) => match self.eval_quiet(expr, None) {
                Ok(Value::Str(name)) => match name
                    .parse::<Tz>()
                    .or_else(|_| Tz::from_str_insensitive(&name))
                {
                    Ok(tz) => Zone { tz, problem: None },
                    Err(_) => Zone {
                        tz: fallback,
                        problem: Some(format!("unknown time zone {name:?}")),
                    },
                },
                Ok(_) => Zone {
                    tz: fallback,
                    problem: None,
                },
                Err(e) => Zone {
                    tz: fallback,
                    problem: Some(format!("time zone could not be evaluated ({e})")),
                },
            },
        };
        self.zone = Some(zone.clone());
        zone
    }

    /// The zone's name and why it replaces the customer's, once the zone
    /// was resolved and the customer's own could not be used.
    pub fn zone_problem(&self) -> Option<(&'static str, &str)> {
        let zone = self.zone.as_ref()?;
        Some((zone.tz.name(), zone.problem.as_deref()?))
    }

    /// What a `local_*` built-in reads of the instant `t`.
    pub(super) fn local(&mut self, part: LocalPart, t: Micros) -> Value {
        let tz = self.zone().tz;
        let local = DateTime::from_timestamp_micros(t)
            .unwrap_or_default()
            .with_timezone(&tz);
        let value = match part {
            LocalPart::Hour => Value::Int(i64::from(local.hour())),
            LocalPart::Minute => Value::Int(i64::from(local.minute())),
            LocalPart::Weekday => {
                let day = local.weekday().num_days_from_monday();
                let id = self.program.schema.weekday.unwrap_or(0);
                Value::Enum(id, day.min(WEEKDAYS.len() as u32 - 1))
            }
        };
        if self.trace.is_some() {
            self.read(
                |_, out| {
                    out.push_str(part.name());
                    out.push_str(" in ");
                    out.push_str(tz.name());
                },
                &value,
            );
        }
        value
    }
}
