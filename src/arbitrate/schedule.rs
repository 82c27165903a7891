//! `deliver at HH:MM [on DAY, …]` (docs/language.md, "Delivery time, channel fallback, consent and caps per tag"): the first instant at
//! or after `now` that is the given local time, on one of the given
//! weekdays, in the customer's zone. A time that a DST gap skips moves to
//! the first valid minute after it; a time that a DST overlap repeats is the
//! first of its instants that is not before `now` (as for quiet hours).

use chrono::{DateTime, Datelike, Utc};

use super::quiet::{customer_zone, local_instants, Zone};
use crate::eval::Evaluator;
use crate::program::Schedule;
use crate::value::Micros;

/// The scheduled instant, and a warning when the customer's zone was not
/// usable (the policy's default zone was used instead).
pub(super) fn scheduled(
    ev: &mut Evaluator<'_>,
    zone: &mut Option<Zone>,
    schedule: &Schedule,
    now: Micros,
) -> (Micros, Option<String>) {
    let zone = customer_zone(ev, zone);
    let warning = zone.warning("the delivery time");
    (next_local(zone.tz, schedule, now).unwrap_or(now), warning)
}

/// The first instant at or after `now` matching the schedule in `tz`.
pub fn next_local(tz: chrono_tz::Tz, schedule: &Schedule, now: Micros) -> Option<Micros> {
    let today = DateTime::<Utc>::from_timestamp_micros(now)?
        .with_timezone(&tz)
        .date_naive();
    // Eight days: today (if the time is still ahead) up to the same weekday
    // next week.
    for offset in 0..=7u64 {
        let date = today.checked_add_days(chrono::Days::new(offset))?;
        let weekday = date.weekday().num_days_from_monday();
        if !schedule.days.is_empty() && !schedule.days.contains(&weekday) {
            continue;
        }
        let Some((earlier, later)) = local_instants(tz, date, schedule.minute) else {
            continue;
        };
        if earlier >= now {
            return Some(earlier);
        }
        if later >= now {
            return Some(later);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{format_time, parse_time};

    fn at(minute: u32, days: &[u32]) -> Schedule {
        Schedule {
            minute,
            days: days.to_vec(),
            text: String::new(),
        }
    }

    /// Each `(zone, now, expected)`: the scheduled instant after `now`.
    fn assert_next(s: &Schedule, cases: &[(&str, &str, &str)]) {
        for (zone, now, expected) in cases {
            let found = next_local(zone.parse().unwrap(), s, parse_time(now).unwrap());
            assert_eq!(
                found.map(format_time).as_deref(),
                Some(*expected),
                "{zone} at {now}"
            );
        }
    }

    #[test]
    fn later_today_or_tomorrow() {
        assert_next(
            &at(9 * 60, &[]),
            &[
                // 08:00 Paris (UTC+1) → 09:00 Paris today.
                (
                    "Europe/Paris",
                    "2026-11-23T07:00:00Z",
                    "2026-11-23T08:00:00Z",
                ),
                // Exactly 09:00 Paris: now.
                (
                    "Europe/Paris",
                    "2026-11-23T08:00:00Z",
                    "2026-11-23T08:00:00Z",
                ),
                // 09:01 Paris → tomorrow.
                (
                    "Europe/Paris",
                    "2026-11-23T08:01:00Z",
                    "2026-11-24T08:00:00Z",
                ),
            ],
        );
    }

    #[test]
    fn on_listed_weekdays_only() {
        // 2026-11-23 is a Monday; mon and thu at 09:00 Tokyo (UTC+9).
        assert_next(
            &at(9 * 60, &[0, 3]),
            &[
                // Monday 10:00 Tokyo → Thursday 09:00 Tokyo = Thursday 00:00Z.
                ("Asia/Tokyo", "2026-11-23T01:00:00Z", "2026-11-26T00:00:00Z"),
                // Thursday 10:00 Tokyo → next Monday.
                ("Asia/Tokyo", "2026-11-26T01:00:00Z", "2026-11-30T00:00:00Z"),
            ],
        );
        // A single weekday, just passed: a week later.
        assert_next(
            &at(9 * 60, &[0]),
            &[("Asia/Tokyo", "2026-11-23T00:01:00Z", "2026-11-30T00:00:00Z")],
        );
    }

    #[test]
    fn dst_gap_moves_to_the_first_valid_minute() {
        // New York, 2026-03-08: 02:00 → 03:00. 02:30 does not exist.
        // 01:00 EST = 06:00Z → 03:00 EDT = 07:00Z.
        assert_next(
            &at(2 * 60 + 30, &[]),
            &[(
                "America/New_York",
                "2026-03-08T06:00:00Z",
                "2026-03-08T07:00:00Z",
            )],
        );
    }

    #[test]
    fn dst_overlap_takes_the_first_instant_not_before_now() {
        // Paris, 2026-10-25: 03:00 CEST → 02:00 CET; 02:30 happens twice.
        assert_next(
            &at(2 * 60 + 30, &[]),
            &[
                // 01:00 CEST (23:00Z) → the first 02:30 (CEST) = 00:30Z.
                (
                    "Europe/Paris",
                    "2026-10-24T23:00:00Z",
                    "2026-10-25T00:30:00Z",
                ),
                // Between the two 02:30s (00:45Z = 02:45 CEST) → the second (CET) = 01:30Z.
                (
                    "Europe/Paris",
                    "2026-10-25T00:45:00Z",
                    "2026-10-25T01:30:00Z",
                ),
            ],
        );
    }
}
