//! Quiet hours: a send that falls inside a quiet window of the customer's
//! local time is deferred to the window's end. Zones are IANA names
//! (chrono-tz); windows may wrap midnight; daylight-saving gaps move the end
//! to the first valid local time after it.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::eval::Evaluator;
use crate::program::{Program, QuietHours};
use crate::value::Micros;

/// The customer's zone, and a warning when their zone name was unknown.
#[derive(Debug, Clone)]
pub(super) struct Zone {
    tz: Tz,
    warning: Option<String>,
}

pub(super) struct Delivery {
    pub at: Micros,
    /// The quiet-hours clause that deferred it, and the zone name.
    pub quiet: Option<(String, String)>,
    pub warnings: Vec<String>,
}

fn customer_zone(ev: &mut Evaluator<'_>) -> Zone {
    let zone = ev.zone();
    Zone {
        tz: zone.tz,
        warning: zone
            .problem
            .map(|p| format!("{p}; quiet hours used {}", zone.tz.name())),
    }
}

pub(super) fn delivery(
    program: &Program,
    ev: &mut Evaluator<'_>,
    zone: &mut Option<Zone>,
    channel: u32,
    now: Micros,
) -> Delivery {
    let windows: Vec<&QuietHours> = program
        .policy
        .quiet_hours
        .iter()
        .filter(|q| q.channels.as_ref().is_none_or(|c| c.contains(&channel)))
        .collect();
    if windows.is_empty() {
        return Delivery {
            at: now,
            quiet: None,
            warnings: Vec::new(),
        };
    }
    let zone = zone.get_or_insert_with(|| customer_zone(ev)).clone();
    let mut at = now;
    let mut applied = None;
    // Windows may chain (one ends inside another): move until none applies.
    for _ in 0..=windows.len() {
        let mut moved = false;
        for q in &windows {
            if let Some(end) = quiet_end(zone.tz, at, q) {
                if end > at {
                    at = end;
                    applied = Some(q.text.clone());
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    Delivery {
        at,
        quiet: applied.map(|text| (text, zone.tz.name().to_string())),
        warnings: zone.warning.into_iter().collect(),
    }
}

/// When `t` falls inside the window in zone `tz`, the instant the window ends.
pub fn quiet_end(tz: Tz, t: Micros, q: &QuietHours) -> Option<Micros> {
    let utc = DateTime::<Utc>::from_timestamp_micros(t)?;
    let local = utc.with_timezone(&tz);
    let minute = local.hour() * 60 + local.minute();
    let inside = if q.from < q.to {
        q.from <= minute && minute < q.to
    } else {
        minute >= q.from || minute < q.to
    };
    if !inside {
        return None;
    }
    let today = local.date_naive();
    let end_date = if q.from > q.to && minute >= q.from {
        today.succ_opt()?
    } else {
        today
    };
    resolve_local(tz, end_date, q.to)
}

/// The instant of a local wall-clock time; in a DST gap, the first valid
/// minute after it; when ambiguous, the earlier instant.
fn resolve_local(tz: Tz, date: NaiveDate, minute_of_day: u32) -> Option<Micros> {
    let naive: NaiveDateTime = date.and_hms_opt(minute_of_day / 60, minute_of_day % 60, 0)?;
    for step in 0..=180 {
        let candidate = naive + Duration::minutes(step);
        match tz.from_local_datetime(&candidate) {
            LocalResult::Single(dt) => return Some(dt.with_timezone(&Utc).timestamp_micros()),
            LocalResult::Ambiguous(earliest, _) => {
                return Some(earliest.with_timezone(&Utc).timestamp_micros())
            }
            LocalResult::None => continue,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{format_time, parse_time};

    fn window(from: u32, to: u32) -> QuietHours {
        QuietHours {
            from,
            to,
            channels: None,
            text: String::from("quiet"),
        }
    }

    fn end(zone: &str, at: &str, q: &QuietHours) -> Option<String> {
        let tz: Tz = zone.parse().unwrap();
        quiet_end(tz, parse_time(at).unwrap(), q).map(format_time)
    }

    #[test]
    fn wrapping_window_defers_to_the_next_morning() {
        let q = window(21 * 60, 8 * 60);
        // 23:30 in Paris (UTC+1 in November) → 08:00 Paris next day = 07:00Z.
        assert_eq!(
            end("Europe/Paris", "2026-11-23T22:30:00Z", &q).as_deref(),
            Some("2026-11-24T07:00:00Z")
        );
        // 05:00 Paris: same morning.
        assert_eq!(
            end("Europe/Paris", "2026-11-24T04:00:00Z", &q).as_deref(),
            Some("2026-11-24T07:00:00Z")
        );
        // 12:00 Paris: not quiet.
        assert_eq!(end("Europe/Paris", "2026-11-24T11:00:00Z", &q), None);
    }

    #[test]
    fn window_end_in_a_dst_gap_moves_to_the_first_valid_minute() {
        // New York springs forward on 2026-03-08 at 02:00 → 03:00.
        let q = window(60, 2 * 60 + 30);
        // 01:30 EST = 06:30Z; the end 02:30 does not exist; 03:00 EDT = 07:00Z.
        assert_eq!(
            end("America/New_York", "2026-03-08T06:30:00Z", &q).as_deref(),
            Some("2026-03-08T07:00:00Z")
        );
    }
}
