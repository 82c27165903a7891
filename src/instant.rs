//! The evaluation instant: the one parser of `--now` / `now` values and the
//! one default. Every front end (`nudge eval`, `nudge explain`, the server)
//! takes its instant from here, so the same customer evaluated without an
//! explicit instant within the same second gets the same decision ids
//! everywhere (the instant is part of every `decision_id`).

use chrono::{DateTime, Utc};

/// An example of a valid instant, for help texts.
pub const EXAMPLE: &str = "2026-11-23T09:00:00Z";

/// A text that is not an RFC 3339 instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("not an RFC 3339 time ({0})")]
#[diagnostic(help("write e.g. 2026-11-23T09:00:00Z"))]
pub struct InstantError(#[source] chrono::ParseError);

/// Parses an RFC 3339 instant with any offset, converted to UTC.
///
/// ```
/// let now = nudge::instant::parse("2026-11-23T10:00:00+01:00")?;
/// assert_eq!(now.to_rfc3339(), "2026-11-23T09:00:00+00:00");
/// assert!(nudge::instant::parse("tomorrow").is_err());
/// # Ok::<(), nudge::instant::InstantError>(())
/// ```
pub fn parse(text: &str) -> Result<DateTime<Utc>, InstantError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(InstantError)
}

/// The default instant: the current time rounded down to the second.
pub fn current() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// `given`, or else [`current`].
pub fn or_current(given: Option<DateTime<Utc>>) -> DateTime<Utc> {
    given.unwrap_or_else(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_instant_has_no_fraction_of_a_second() {
        assert_eq!(current().timestamp_subsec_nanos(), 0);
    }

    #[test]
    fn errors_say_what_to_write() {
        let e = parse("2026-13-01").unwrap_err();
        assert!(e.to_string().starts_with("not an RFC 3339 time ("), "{e}");
        let help = miette::Diagnostic::help(&e).map(|h| h.to_string());
        assert_eq!(help.as_deref(), Some("write e.g. 2026-11-23T09:00:00Z"));
    }
}
