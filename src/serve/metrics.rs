//! Counters and histograms, rendered by hand in the Prometheus text format
//! (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::decision::Outcome;

/// The routes, as labels; anything else is `unmatched`.
pub(crate) const ROUTES: [&str; 6] = [
    "/v1/evaluate",
    "/v1/evaluate/batch",
    "/v1/ruleset",
    "/healthz",
    "/metrics",
    "unmatched",
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The route label for a matched path.
pub(crate) fn route_label(matched: Option<&str>) -> &'static str {
    let matched = matched.unwrap_or("unmatched");
    ROUTES
        .iter()
        .copied()
        .find(|r| *r == matched)
        .unwrap_or("unmatched")
}

/// The method label: the common methods, else `OTHER` (keeps the label set bounded).
pub(crate) fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"];
    KNOWN
        .iter()
        .copied()
        .find(|m| *m == method.as_str())
        .unwrap_or("OTHER")
}

#[derive(Default)]
struct Histogram {
    /// Per bucket (not cumulative), then one for `+Inf`.
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(c) = self.counts.get(slot) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the server counts.
#[derive(Default)]
pub(crate) struct Metrics {
    /// By (route, method, status).
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    latency: [Histogram; ROUTES.len()],
    in_flight: AtomicI64,
    decisions: [AtomicU64; Outcome::ALL.len()],
    /// Customers evaluated; snapshots that did not fit the schema; inputs
    /// that were not customers.
    customers: AtomicU64,
    invalid: AtomicU64,
    rejected: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

/// Decrements the in-flight gauge when dropped, even if the request was cancelled.
pub(crate) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn request(
        &self,
        route: &'static str,
        method: &'static str,
        status: u16,
        elapsed: Duration,
    ) {
        {
            let mut requests = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *requests.entry((route, method, status)).or_insert(0) += 1;
        }
        if let Some(i) = ROUTES.iter().position(|r| *r == route) {
            if let Some(h) = self.latency.get(i) {
                h.observe(elapsed);
            }
        }
    }

    pub fn outcome(&self, outcome: Outcome) {
        if let Some(i) = Outcome::ALL.iter().position(|o| *o == outcome) {
            if let Some(c) = self.decisions.get(i) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn customer(&self) {
        self.customers.fetch_add(1, Ordering::Relaxed);
    }

    pub fn invalid(&self) {
        self.invalid.fetch_add(1, Ordering::Relaxed);
    }

    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub fn reloaded(&self) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn reload_failed(&self) {
        self.reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, hash: &str, loaded_at_unix: f64, last_reload_failed: bool) -> String {
        let mut out = String::with_capacity(8192);
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);

        header(
            &mut out,
            "nudge_http_requests_total",
            "counter",
            "HTTP requests answered, by route, method and status.",
        );
        {
            let requests = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((route, method, status), n) in requests.iter() {
                let _ = writeln!(out, "nudge_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}");
            }
        }

        header(
            &mut out,
            "nudge_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route (for the batch route: until the response starts streaming).",
        );
        for (route, h) in ROUTES.iter().zip(self.latency.iter()) {
            let mut cumulative = 0u64;
            for (bound, c) in BUCKETS.iter().zip(h.counts.iter()) {
                cumulative += get(c);
                let _ = writeln!(out, "nudge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
            }
            let count = get(&h.count);
            let _ = writeln!(out, "nudge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}");
            let sum = get(&h.sum_micros) as f64 / 1e6;
            let _ = writeln!(
                out,
                "nudge_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "nudge_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }

        header(
            &mut out,
            "nudge_http_requests_in_flight",
            "gauge",
            "Requests being answered now.",
        );
        let _ = writeln!(
            out,
            "nudge_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );

        header(
            &mut out,
            "nudge_decisions_total",
            "counter",
            "Decisions returned, by outcome.",
        );
        for (outcome, c) in Outcome::ALL.iter().zip(self.decisions.iter()) {
            let _ = writeln!(
                out,
                "nudge_decisions_total{{outcome=\"{}\"}} {}",
                outcome.as_str(),
                get(c)
            );
        }

        header(
            &mut out,
            "nudge_customers_total",
            "counter",
            "Customer inputs, by result: evaluated, invalid (did not fit the schema), rejected (not a customer).",
        );
        let _ = writeln!(
            out,
            "nudge_customers_total{{result=\"evaluated\"}} {}",
            get(&self.customers)
        );
        let _ = writeln!(
            out,
            "nudge_customers_total{{result=\"invalid\"}} {}",
            get(&self.invalid)
        );
        let _ = writeln!(
            out,
            "nudge_customers_total{{result=\"rejected\"}} {}",
            get(&self.rejected)
        );

        header(
            &mut out,
            "nudge_ruleset_info",
            "gauge",
            "The ruleset in service; its SHA-256 is the hash label.",
        );
        let _ = writeln!(out, "nudge_ruleset_info{{hash=\"{hash}\"}} 1");
        header(
            &mut out,
            "nudge_ruleset_loaded_timestamp_seconds",
            "gauge",
            "When the ruleset in service was loaded (Unix time).",
        );
        let _ = writeln!(
            out,
            "nudge_ruleset_loaded_timestamp_seconds {loaded_at_unix}"
        );
        header(
            &mut out,
            "nudge_ruleset_reloads_total",
            "counter",
            "Reloads that put a new ruleset in service.",
        );
        let _ = writeln!(out, "nudge_ruleset_reloads_total {}", get(&self.reloads));
        header(
            &mut out,
            "nudge_ruleset_reload_failures_total",
            "counter",
            "Reloads refused because the rules had errors or could not be read.",
        );
        let _ = writeln!(
            out,
            "nudge_ruleset_reload_failures_total {}",
            get(&self.reload_failures)
        );
        header(
            &mut out,
            "nudge_ruleset_last_reload_failed",
            "gauge",
            "1 when the last reload was refused (the rules on disk are not the rules in service).",
        );
        let _ = writeln!(
            out,
            "nudge_ruleset_last_reload_failed {}",
            u8::from(last_reload_failed)
        );
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_histograms() {
        let m = Metrics::default();
        m.request("/v1/evaluate", "POST", 200, Duration::from_micros(300));
        m.request("/v1/evaluate", "POST", 200, Duration::from_secs(20));
        m.outcome(Outcome::Send);
        let text = m.render("abc", 1.5, false);
        assert!(text.contains(
            "nudge_http_requests_total{route=\"/v1/evaluate\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "nudge_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"0.00025\"} 0"
        ));
        assert!(text.contains(
            "nudge_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "nudge_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"10\"} 1"
        ));
        assert!(text.contains(
            "nudge_http_request_duration_seconds_bucket{route=\"/v1/evaluate\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("nudge_decisions_total{outcome=\"send\"} 1"));
        assert!(text.contains("nudge_ruleset_info{hash=\"abc\"} 1"));
    }
}
