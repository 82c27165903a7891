//! The statistics of a lift report: Wilson score intervals for one
//! proportion, Newcombe's hybrid score interval for the difference of two
//! (method 10 of Newcombe 1998), the log risk-ratio interval for the relative
//! lift, and the pooled two-proportion z-test.

use serde::Serialize;

/// The 97.5th percentile of the standard normal distribution: a two-sided
/// 95% interval is `estimate ± Z95 × standard error`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Converted out of total, in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Customers in the group.
    pub customers: u64,
    /// Of them, customers who converted.
    pub converted: u64,
}

impl Counts {
    /// The conversion rate (0 for an empty group).
    pub fn rate(self) -> f64 {
        if self.customers == 0 {
            0.0
        } else {
            self.converted as f64 / self.customers as f64
        }
    }
}

/// The 95% Wilson score interval of a proportion; `(0, 1)` for an empty group.
pub fn wilson(c: Counts) -> (f64, f64) {
    if c.customers == 0 {
        return (0.0, 1.0);
    }
    let n = c.customers as f64;
    let p = c.rate();
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The comparison of a treated group with its control group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lift {
    /// Treated rate minus control rate.
    pub absolute: f64,
    /// 95% interval of `absolute` (Newcombe hybrid score).
    pub absolute_ci: (f64, f64),
    /// `absolute / control rate`; absent when the control rate is 0.
    pub relative: Option<f64>,
    /// 95% interval of `relative` (log risk ratio); absent when a group has
    /// no conversion.
    pub relative_ci: Option<(f64, f64)>,
    /// Two-sided p-value of the pooled two-proportion z-test.
    pub p_value: f64,
    /// The z statistic of that test.
    pub z: f64,
}

/// Compares `treated` with `control`. Both groups must be non-empty.
pub fn lift(treated: Counts, control: Counts) -> Option<Lift> {
    if treated.customers == 0 || control.customers == 0 {
        return None;
    }
    let (p1, p2) = (treated.rate(), control.rate());
    let (l1, u1) = wilson(treated);
    let (l2, u2) = wilson(control);
    let d = p1 - p2;
    let lower = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let upper = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    let relative = (p2 > 0.0).then(|| d / p2);
    let relative_ci = (treated.converted > 0 && control.converted > 0).then(|| {
        let (x1, n1) = (treated.converted as f64, treated.customers as f64);
        let (x2, n2) = (control.converted as f64, control.customers as f64);
        let log_rr = (p1 / p2).ln();
        let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
        (
            (log_rr - Z95 * se).exp() - 1.0,
            (log_rr + Z95 * se).exp() - 1.0,
        )
    });
    let (n1, n2) = (treated.customers as f64, control.customers as f64);
    let pooled = (treated.converted + control.converted) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let (z, p_value) = if se > 0.0 {
        let z = d / se;
        (z, libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0))
    } else {
        (0.0, 1.0)
    };
    Some(Lift {
        absolute: d,
        absolute_ci: (lower.max(-1.0), upper.min(1.0)),
        relative,
        relative_ci,
        p_value,
        z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(converted: u64, customers: u64) -> Counts {
        Counts {
            customers,
            converted,
        }
    }

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} is not {b} (±{tol})");
    }

    /// Newcombe (1998), Statistics in Medicine 17, table II, method 10:
    /// 56/70 vs 48/80 gives 0.0524 to 0.3339.
    #[test]
    fn newcombe_published_example() {
        let l = lift(c(56, 70), c(48, 80)).unwrap();
        close(l.absolute, 0.2, 1e-12);
        close(l.absolute_ci.0, 0.0524, 5e-5);
        close(l.absolute_ci.1, 0.3339, 5e-5);
    }

    /// Newcombe's other published cases (table II, method 10), including
    /// empty and full groups.
    #[test]
    fn newcombe_published_table() {
        let cases = [
            ((9, 10, 3, 10), (0.1705, 0.8090)),
            ((6, 7, 2, 7), (0.0582, 0.8062)),
            ((5, 56, 0, 29), (-0.0381, 0.1926)),
            ((0, 10, 0, 20), (-0.1611, 0.2775)),
            ((0, 10, 0, 10), (-0.2775, 0.2775)),
            ((10, 10, 0, 20), (0.6791, 1.0)),
            ((10, 10, 0, 10), (0.6075, 1.0)),
        ];
        for ((x1, n1, x2, n2), (lo, hi)) in cases {
            let l = lift(c(x1, n1), c(x2, n2)).unwrap();
            close(l.absolute_ci.0, lo, 5e-5);
            close(l.absolute_ci.1, hi, 5e-5);
        }
    }

    /// Wilson (1927) as tabulated by Newcombe (1998a): 81/263 gives
    /// 0.2553 to 0.3662; 0/10 gives 0 to 0.2775.
    #[test]
    fn wilson_published_examples() {
        let (l, u) = wilson(c(81, 263));
        close(l, 0.2553, 5e-5);
        close(u, 0.3662, 5e-5);
        let (l, u) = wilson(c(0, 10));
        close(l, 0.0, 1e-12);
        close(u, 0.2775, 5e-5);
    }

    /// Pooled z-test by hand: 120/1000 vs 100/1000, pooled 0.11,
    /// se = sqrt(0.11 × 0.89 × 0.002) = 0.0139929, z = 1.42930,
    /// p = 0.152913 (two-sided, from the normal table).
    #[test]
    fn pooled_z_test_by_hand() {
        let l = lift(c(120, 1000), c(100, 1000)).unwrap();
        close(l.z, 1.429_30, 1e-4);
        close(l.p_value, 0.152_91, 1e-4);
        close(l.relative.unwrap(), 0.2, 1e-12);
    }

    #[test]
    fn degenerate_groups() {
        assert_eq!(lift(c(0, 0), c(1, 10)), None);
        let l = lift(c(0, 50), c(0, 50)).unwrap();
        assert_eq!((l.absolute, l.p_value, l.relative), (0.0, 1.0, None));
        assert!(l.absolute_ci.0 < 0.0 && l.absolute_ci.1 > 0.0);
        let l = lift(c(50, 50), c(50, 50)).unwrap();
        assert_eq!(l.p_value, 1.0);
        assert_eq!(l.relative_ci, Some((0.0, 0.0)));
    }
}
