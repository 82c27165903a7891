//! Runtime values: what an attribute, an event property or an expression
//! holds for one customer at one instant, and how values are shown to people.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch (UTC) or, for durations, a length.
pub type Micros = i64;

pub const MICROS_PER_SECOND: i64 = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional value that is absent (`null` or not given).
    Missing,
    Bool(bool),
    Int(i64),
    Number(f64),
    Str(Arc<str>),
    /// An enum member: enum id and member index.
    Enum(u32, u32),
    Time(Micros),
    Duration(Micros),
    List(Arc<[Value]>),
    Record(Arc<[Value]>),
}

impl Value {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// The numeric value of an int or number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// RFC 3339 in UTC with `Z`, whole seconds unless the instant has a fraction.
pub fn format_time(t: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(t) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => format!("<time out of range: {t}µs>"),
    }
}

/// Parses an RFC 3339 timestamp into microseconds since the epoch
/// (fractions beyond microseconds are truncated).
pub fn parse_time(text: &str) -> Option<Micros> {
    fast_rfc3339(text.as_bytes()).or_else(|| chrono_rfc3339(text))
}

fn chrono_rfc3339(text: &str) -> Option<Micros> {
    let dt = DateTime::parse_from_rfc3339(text).ok()?;
    let secs = dt.timestamp();
    let micros = i64::from(dt.timestamp_subsec_micros());
    secs.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)
}

/// The common shape `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` without
/// going through a general parser; anything else (leap seconds, unusual
/// forms) returns `None` and is left to chrono.
fn fast_rfc3339(b: &[u8]) -> Option<Micros> {
    let digit = |i: usize| -> Option<i64> {
        let c = *b.get(i)?;
        c.is_ascii_digit().then(|| i64::from(c - b'0'))
    };
    let two = |i: usize| -> Option<i64> { Some(digit(i)? * 10 + digit(i + 1)?) };
    let is = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(is(4, b'-')
        && is(7, b'-')
        && matches!(b.get(10), Some(b'T' | b't'))
        && is(13, b':')
        && is(16, b':'))
    {
        return None;
    }
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if is(i, b'.') {
        i += 1;
        let start = i;
        while let Some(d) = digit(i) {
            if i - start < 6 {
                micros = micros * 10 + d;
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && is(i + 3, b':') => {
            let (h, m) = (two(i + 1)?, two(i + 4)?);
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds * MICROS_PER_SECOND + micros)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A duration for people: `10d 15h`, `3h 20m`, `45s`, `0s`.
pub fn format_duration(d: Micros) -> String {
    let negative = d < 0;
    let secs = (d / MICROS_PER_SECOND).unsigned_abs();
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if minutes > 0 && days == 0 {
        parts.push(format!("{minutes}m"));
    }
    if seconds > 0 && days == 0 && hours == 0 {
        parts.push(format!("{seconds}s"));
    }
    if parts.is_empty() {
        parts.push(String::from("0s"));
    }
    let text = parts.into_iter().take(2).collect::<Vec<_>>().join(" ");
    if negative {
        format!("-{text}")
    } else {
        text
    }
}

/// A number for people and for JSON: integers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_utc_with_z() {
        let t = parse_time("2026-11-12T18:30:00+01:00").unwrap();
        assert_eq!(format_time(t), "2026-11-12T17:30:00Z");
        let f = parse_time("2026-11-12T17:30:00.250Z").unwrap();
        assert_eq!(format_time(f), "2026-11-12T17:30:00.250Z");
    }

    proptest::proptest! {
        #[test]
        fn fast_time_parser_agrees_with_chrono(
            secs in -5_000_000_000i64..8_000_000_000,
            micros in 0i64..1_000_000,
            offset_minutes in -(23 * 60 + 59)..(23 * 60 + 59),
            style in 0u8..4,
        ) {
            let utc = DateTime::<Utc>::from_timestamp(secs, (micros * 1000) as u32).unwrap();
            let zone = chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap();
            let local = utc.with_timezone(&zone);
            let text = match style {
                0 => utc.to_rfc3339_opts(SecondsFormat::Secs, true),
                1 => utc.to_rfc3339_opts(SecondsFormat::Micros, true),
                2 => local.to_rfc3339_opts(SecondsFormat::Millis, false),
                _ => local.to_rfc3339_opts(SecondsFormat::Nanos, false),
            };
            proptest::prop_assert_eq!(fast_rfc3339(text.as_bytes()), chrono_rfc3339(&text), "{}", text);
            proptest::prop_assert!(fast_rfc3339(text.as_bytes()).is_some(), "{}", text);
        }
    }

    #[test]
    fn odd_times_fall_back_to_chrono_or_fail() {
        assert!(parse_time("2026-02-29T00:00:00Z").is_none());
        assert!(parse_time("2024-02-29T00:00:00Z").is_some());
        assert!(parse_time("2026-11-23 09:00:00Z").is_some());
        assert!(parse_time("yesterday").is_none());
        assert!(parse_time("2026-11-23T09:00:00").is_none());
    }

    #[test]
    fn durations_read_like_people_write_them() {
        let h = 3_600 * MICROS_PER_SECOND;
        assert_eq!(
            format_duration(10 * 24 * h + 15 * h + 30 * 60 * MICROS_PER_SECOND),
            "10d 15h"
        );
        assert_eq!(
            format_duration(3 * h + 20 * 60 * MICROS_PER_SECOND),
            "3h 20m"
        );
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn numbers_drop_needless_fractions() {
        assert_eq!(format_number(22.0), "22");
        assert_eq!(format_number(0.25), "0.25");
    }
}
