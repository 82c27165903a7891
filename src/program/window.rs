//! The half-open time window of `within D`, cooldowns and caps
//! (`docs/language.md#time-windows`): a time `t` is in
//! the window of length `D` ending at `now` when `now - D < t <= now`.
//! Times after `now` are in no window.

use crate::value::Micros;

/// Whether `t` is in the window of length `length` ending at `now`:
/// `now - length < t <= now`. `None` is the unbounded window `t <= now`.
pub fn contains(now: Micros, length: Option<Micros>, t: Micros) -> bool {
    t <= now && length.is_none_or(|d| now.saturating_sub(d) < t)
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn half_open_at_the_start_closed_at_now() {
        assert!(contains(100, Some(10), 100));
        assert!(contains(100, Some(10), 91));
        assert!(!contains(100, Some(10), 90));
        assert!(!contains(100, Some(10), 101));
        assert!(contains(100, None, i64::MIN));
        assert!(!contains(100, None, 101));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        assert!(contains(i64::MIN + 1, Some(i64::MAX), i64::MIN + 1));
    }
}
