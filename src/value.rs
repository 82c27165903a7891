//! Runtime values: what an attribute, an event property or an expression
//! holds for one customer at one instant, and how values are shown to people.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch (UTC) or, for durations, a length.
pub type Micros = i64;

/// Microseconds in a second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;

/// A value of the language at run time: an attribute, a property, a literal or a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional value that is absent (`null` or not given).
    Missing,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number (a float).
    Number(f64),
    /// A string.
    Str(Arc<str>),
    /// An enum member: enum id and member index.
    Enum(u32, u32),
    /// An instant, in microseconds since the Unix epoch.
    Time(Micros),
    /// A length of time, in microseconds.
    Duration(Micros),
    /// A list.
    List(Arc<[Value]>),
    /// A record's field values, in the record type's field order.
    Record(Arc<[Value]>),
}

impl Value {
    /// Whether the value is absent.
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

/// An instant as RFC 3339 in UTC with `Z`, with milliseconds or
/// microseconds only when there are any.
pub fn format_time(t: Micros) -> String {
    let mut text = String::with_capacity(27);
    write_time(&mut text, t);
    text
}

/// Appends [`format_time`]'s text of `t` to `text`.
pub fn write_time(text: &mut String, t: Micros) {
    let seconds = t.div_euclid(MICROS_PER_SECOND);
    let micros = t.rem_euclid(MICROS_PER_SECOND);
    let (days, secs_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        match DateTime::<Utc>::from_timestamp_micros(t) {
            Some(dt) => text.push_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => text.push_str(&format!("<time out of range: {t}µs>")),
        }
        return;
    }
    let (h, m, sec) = (
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60,
    );
    let digit = |n: i64| char::from(b'0' + (n % 10) as u8);
    let fields = [
        (None, year / 100),
        (None, year % 100),
        (Some('-'), month),
        (Some('-'), day),
        (Some('T'), h),
        (Some(':'), m),
        (Some(':'), sec),
    ];
    for (sep, n) in fields {
        if let Some(sep) = sep {
            text.push(sep);
        }
        text.push(digit(n / 10));
        text.push(digit(n));
    }
    if micros != 0 {
        let (mut value, width) = if micros % 1000 == 0 {
            (micros / 1000, 3)
        } else {
            (micros, 6)
        };
        text.push('.');
        let mut digits = [b'0'; 6];
        for d in digits.iter_mut().take(width).rev() {
            *d = b'0' + (value % 10) as u8;
            value /= 10;
        }
        for d in digits.iter().take(width) {
            text.push(char::from(*d));
        }
    }
    text.push('Z');
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses an RFC 3339 timestamp into microseconds since the epoch
/// (fractions beyond microseconds are truncated).
pub fn parse_time(text: &str) -> Option<Micros> {
    utc_seconds(text.as_bytes())
        .or_else(|| fast_rfc3339(text.as_bytes()))
        .or_else(|| chrono_rfc3339(text))
}

/// Reads many timestamps, remembering the last month of the commonest
/// shape (`YYYY-MM-DDTHH:MM:SSZ`): one customer's timestamps mostly share
/// a month, and the month is most of the work (checking it, counting days
/// since the epoch). Its answers are exactly [`parse_time`]'s.
#[derive(Debug, Default, Clone)]
pub struct TimeReader {
    /// The digits `YYYYMM` last read (as one word), the day number of its
    /// first day and its length in days.
    month: Option<(u64, i64, i64)>,
}

impl TimeReader {
    /// [`parse_time`] of `text`.
    pub fn read(&mut self, text: &str) -> Option<Micros> {
        <&[u8; 20]>::try_from(text.as_bytes())
            .ok()
            .and_then(|bytes| self.read_utc(bytes))
            .or_else(|| parse_time(text))
    }

    /// The commonest shape only (`None` for anything else, even a time
    /// [`parse_time`] reads): a valid `YYYY-MM-DDTHH:MM:SSZ`. When it
    /// answers, the bytes are digits and `-T:Z`, nothing else.
    pub fn read_utc(&mut self, bytes: &[u8; 20]) -> Option<Micros> {
        let &[y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1, b'Z'] =
            bytes
        else {
            return None;
        };
        let key = u64::from_le_bytes([y0, y1, y2, y3, mo0, mo1, 0, 0]);
        let (first, length) = match self.month {
            Some((month, first, length)) if month == key => (first, length),
            _ => {
                let year = pair(y0, y1)? * 100 + pair(y2, y3)?;
                let month = pair(mo0, mo1)?;
                if !(1..=12).contains(&month) {
                    return None;
                }
                let (first, length) = (days_from_civil(year, month, 1), days_in_month(year, month));
                self.month = Some((key, first, length));
                (first, length)
            }
        };
        let (day, hour) = (pair(d0, d1)?, pair(h0, h1)?);
        let (minute, second) = (pair(mi0, mi1)?, pair(s0, s1)?);
        if day < 1 || day > length || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let seconds = (first + day - 1) * 86_400 + hour * 3600 + minute * 60 + second;
        Some(seconds * MICROS_PER_SECOND)
    }
}

/// The number written by two ASCII digits.
fn pair(tens: u8, ones: u8) -> Option<i64> {
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then(|| i64::from(tens * 10 + ones))
}

/// The commonest shape, `YYYY-MM-DDTHH:MM:SSZ` (read as [`TimeReader`]
/// reads it, without a month to remember); anything else is left to
/// [`fast_rfc3339`].
fn utc_seconds(b: &[u8]) -> Option<Micros> {
    TimeReader::default().read_utc(b.try_into().ok()?)
}

/// Seconds since the epoch of the date and time written by the fourteen
/// ASCII digits `YYYYMMDDHHMMSS` (as if in UTC), when they are digits and a
/// valid date and time.
fn civil_seconds(digits: [u8; 14]) -> Option<i64> {
    let [y0, y1, y2, y3, mo0, mo1, d0, d1, h0, h1, mi0, mi1, s0, s1] = digits;
    let year = pair(y0, y1)? * 100 + pair(y2, y3)?;
    let (month, day) = (pair(mo0, mo1)?, pair(d0, d1)?);
    let (hour, minute, second) = (pair(h0, h1)?, pair(mi0, mi1)?, pair(s0, s1)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
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
    let [y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T' | b't', h0, h1, b':', mi0, mi1, b':', s0, s1, rest @ ..] =
        b
    else {
        return None;
    };
    let local = civil_seconds([
        *y0, *y1, *y2, *y3, *mo0, *mo1, *d0, *d1, *h0, *h1, *mi0, *mi1, *s0, *s1,
    ])?;
    let mut rest = rest;
    let mut micros = 0i64;
    if let [b'.', tail @ ..] = rest {
        let count = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        let (fraction, after) = tail.split_at(count);
        for (i, c) in fraction.iter().enumerate().take(6) {
            micros += i64::from(c - b'0')
                * [100_000, 10_000, 1_000, 100, 10, 1]
                    .get(i)
                    .copied()
                    .unwrap_or(0);
        }
        rest = after;
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1]
            if [*oh0, *oh1, *om0, *om1].iter().all(u8::is_ascii_digit) =>
        {
            let n = |hi: u8, lo: u8| i64::from(hi - b'0') * 10 + i64::from(lo - b'0');
            let (h, m) = (n(*oh0, *oh1), n(*om0, *om1));
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
    Some((local - offset) * MICROS_PER_SECOND + micros)
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

/// A duration for people: `10d 15h`, `3h 20m`, `45s`, `0s` (the two
/// largest units).
pub fn format_duration(d: Micros) -> String {
    let mut out = String::with_capacity(8);
    write_duration(&mut out, d);
    out
}

/// Appends [`format_duration`]'s text of `d` to `out`.
pub fn write_duration(out: &mut String, d: Micros) {
    let secs = (d / MICROS_PER_SECOND).unsigned_abs();
    let units = [
        (secs / 86_400, 'd'),
        (secs % 86_400 / 3_600, 'h'),
        (secs % 3_600 / 60, 'm'),
        (secs % 60, 's'),
    ];
    let Some(first) = units.iter().position(|(n, _)| *n > 0) else {
        out.push_str("0s");
        return;
    };
    if d < 0 {
        out.push('-');
    }
    let mut separator = false;
    for (n, unit) in units.iter().skip(first).take(2).filter(|(n, _)| *n > 0) {
        if separator {
            out.push(' ');
        }
        out.push_str(itoa::Buffer::new().format(*n));
        out.push(*unit);
        separator = true;
    }
}

/// A number for people and for JSON: integers without a fraction, others
/// rounded to at most four decimals (`{:.4}` without trailing zeros).
pub fn format_number(n: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, n);
    out
}

/// Appends [`format_number`]'s text of `n` to `out`.
pub fn write_number(out: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        out.push_str(itoa::Buffer::new().format(n as i64));
    } else if let Some(scaled) = four_decimals(n) {
        if scaled < 0 {
            out.push('-');
        }
        let scaled = scaled.unsigned_abs();
        out.push_str(itoa::Buffer::new().format(scaled / 10_000));
        let mut fraction = scaled % 10_000;
        if fraction != 0 {
            let mut width = 4;
            while fraction % 10 == 0 {
                fraction /= 10;
                width -= 1;
            }
            out.push('.');
            let digits = itoa::Buffer::new().format(fraction).len();
            for _ in digits..width {
                out.push('0');
            }
            out.push_str(itoa::Buffer::new().format(fraction));
        }
    } else {
        let s = format!("{n:.4}");
        out.push_str(s.trim_end_matches('0').trim_end_matches('.'));
    }
}

/// `n` rounded to four decimals, times 10,000, when that is certainly the
/// rounding `{:.4}` does: `n` is small enough that `n * 10_000` is exact to
/// far better than the distance to a rounding tie, and the result is not a
/// negative zero. `None` leaves the case to the formatter.
fn four_decimals(n: f64) -> Option<i64> {
    if !n.is_finite() || n.abs() >= 1e6 {
        return None;
    }
    let scaled = n * 10_000.0;
    let floor = scaled.floor();
    if (scaled - floor - 0.5).abs() < 1e-3 {
        return None;
    }
    let rounded = scaled.round() as i64;
    if rounded == 0 && n.is_sign_negative() {
        return None;
    }
    Some(rounded)
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

    fn number_by_formatter(n: f64) -> String {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            let s = format!("{n:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }

    #[test]
    fn numbers_near_rounding_ties_match_the_formatter() {
        for k in -200_000i64..200_000 {
            for n in [
                k as f64 / 20_000.0,
                k as f64 / 3.0,
                k as f64 * 0.000_05 + 1e-9,
            ] {
                assert_eq!(format_number(n), number_by_formatter(n), "{n:?}");
            }
        }
        for n in [
            -0.00001,
            -0.0,
            0.00005,
            0.00015,
            999_999.999_95,
            1e6 + 0.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(format_number(n), number_by_formatter(n), "{n:?}");
        }
    }

    #[test]
    fn durations_and_times_read_as_before() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(
            format_duration(-(3 * 86_400 + 5 * 3600) * MICROS_PER_SECOND),
            "-3d 5h"
        );
        assert_eq!(format_duration((2 * 3600 + 7) * MICROS_PER_SECOND), "2h");
        assert_eq!(format_duration(45 * MICROS_PER_SECOND), "45s");
        assert_eq!(format_time(1_234_567), "1970-01-01T00:00:01.234567Z");
        assert_eq!(format_time(-1_000), "1969-12-31T23:59:59.999Z");
    }

    proptest::proptest! {
        #[test]
        fn numbers_read_as_the_formatter_writes_them(n in -2e6f64..2e6, scale in 0u32..8) {
            let n = n / f64::from(10u32.pow(scale));
            proptest::prop_assert_eq!(format_number(n), number_by_formatter(n));
        }

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
            if let Some(t) = utc_seconds(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(t), chrono_rfc3339(&text), "{}", text);
            }
            proptest::prop_assert!(fast_rfc3339(text.as_bytes()).is_some(), "{}", text);
        }
    }

    proptest::proptest! {
        /// The remembering reader answers as `parse_time` does, over runs
        /// of timestamps that share days, with invalid digits mixed in.
        #[test]
        fn time_reader_answers_as_parse_time(
            texts in proptest::collection::vec(
                (0u32..5, 0u8..40, 0u8..30, 0u8..62, proptest::sample::select(vec![
                    "", "Z", "x", ".5Z", "+01:00",
                ])),
                1..40,
            ),
        ) {
            let mut reader = TimeReader::default();
            for (day, hour, minute, second, tail) in texts {
                let text = format!(
                    "2024-0{}-{:02}T{hour:02}:{minute:02}:{second:02}{}",
                    2 + day / 2,
                    27 + day,
                    if tail.is_empty() { "Z" } else { tail },
                );
                proptest::prop_assert_eq!(reader.read(&text), parse_time(&text), "{}", text);
            }
        }
    }

    #[test]
    fn time_reader_checks_the_date_it_remembers() {
        let mut reader = TimeReader::default();
        for text in [
            "2026-11-23T09:00:00Z",
            "2026-11-23T23:59:59Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T09:60:00Z",
            "2026-11-23T23:59:60Z",
            "2026-02-29T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-23T0a:00:00Z",
            "2026-11-23t09:00:00Z",
        ] {
            assert_eq!(reader.read(text), parse_time(text), "{text}");
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

    proptest::proptest! {
        #[test]
        fn fast_time_formatter_agrees_with_chrono(t in -62_135_596_800_000_000i64..253_402_300_799_000_000) {
            let chrono = DateTime::<Utc>::from_timestamp_micros(t).unwrap().to_rfc3339_opts(SecondsFormat::AutoSi, true);
            proptest::prop_assert_eq!(format_time(t), chrono);
            let whole = t - t.rem_euclid(MICROS_PER_SECOND);
            let chrono = DateTime::<Utc>::from_timestamp_micros(whole).unwrap().to_rfc3339_opts(SecondsFormat::AutoSi, true);
            proptest::prop_assert_eq!(format_time(whole), chrono);
        }
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
