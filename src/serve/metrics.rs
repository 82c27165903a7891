//! What the server counts, kept and rendered in the Prometheus text format
//! (version 0.0.4) by the `metrics` crate's Prometheus exporter.

use std::sync::Mutex;
use std::time::Duration;

use metrics::{Key, KeyName, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

use super::conn::Closed;
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

const REQUESTS: &str = "nudge_http_requests_total";
const LATENCY: &str = "nudge_http_request_duration_seconds";
const IN_FLIGHT: &str = "nudge_http_requests_in_flight";
const DECISIONS: &str = "nudge_decisions_total";
const CUSTOMERS: &str = "nudge_customers_total";
const RULESET: &str = "nudge_ruleset_info";
const LOADED_AT: &str = "nudge_ruleset_loaded_timestamp_seconds";
const RELOADS: &str = "nudge_ruleset_reloads_total";
const RELOAD_FAILURES: &str = "nudge_ruleset_reload_failures_total";
const LAST_RELOAD_FAILED: &str = "nudge_ruleset_last_reload_failed";
const CONNECTIONS: &str = "nudge_http_connections_open";
const CLOSED: &str = "nudge_http_connections_closed_total";

/// Every metric with its type and help line.
const DESCRIPTIONS: [(&str, Kind, &str); 12] = [
    (REQUESTS, Kind::Counter, "HTTP requests answered, by route, method and status."),
    (LATENCY, Kind::Histogram, "Time to answer a request, by route (for the batch route: until the response starts streaming)."),
    (IN_FLIGHT, Kind::Gauge, "Requests being answered now."),
    (DECISIONS, Kind::Counter, "Decisions returned, by outcome."),
    (CUSTOMERS, Kind::Counter, "Customer inputs, by result: evaluated, invalid (did not fit the schema), rejected (not a customer)."),
    (RULESET, Kind::Gauge, "The ruleset in service; its SHA-256 is the hash label."),
    (LOADED_AT, Kind::Gauge, "When the ruleset in service was loaded (Unix time)."),
    (RELOADS, Kind::Counter, "Reloads that put a new ruleset in service."),
    (RELOAD_FAILURES, Kind::Counter, "Reloads refused because the rules had errors or could not be read."),
    (LAST_RELOAD_FAILED, Kind::Gauge, "1 when the last reload was refused (the rules on disk are not the rules in service)."),
    (CONNECTIONS, Kind::Gauge, "Client connections open now."),
    (CLOSED, Kind::Counter, "Connections the server closed, by reason: header_timeout (no complete request head in time), idle_timeout (no next request in time), shutdown."),
];

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

const METADATA: Metadata<'static> = Metadata::new("nudge::serve", Level::INFO, None);

/// What the server counts: a Prometheus recorder of its own (not the
/// process-global one), so tests and embedders can run several servers.
pub(crate) struct Metrics {
    recorder: PrometheusRecorder,
    /// The ruleset hash last shown, set back to 0 when another is in service.
    shown: Mutex<Option<String>>,
}

/// Decrements the in-flight gauge when dropped, even if the request was cancelled.
pub(crate) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.gauge(IN_FLIGHT, Vec::new()).decrement(1.0);
    }
}

/// Decrements the open-connections gauge when dropped.
pub(crate) struct Connection<'a>(&'a Metrics);

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        self.0.gauge(CONNECTIONS, Vec::new()).decrement(1.0);
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        let builder = PrometheusBuilder::new();
        let recorder = builder
            .set_buckets_for_metric(Matcher::Full(LATENCY.to_string()), &BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let m = Metrics {
            recorder,
            shown: Mutex::new(None),
        };
        for (name, kind, help) in DESCRIPTIONS {
            let (name, help) = (KeyName::from(name), SharedString::from(help));
            match kind {
                Kind::Counter => m.recorder.describe_counter(name, None, help),
                Kind::Gauge => m.recorder.describe_gauge(name, None, help),
                Kind::Histogram => m.recorder.describe_histogram(name, None, help),
            }
        }
        // Every series known in advance is shown from the start, at zero.
        for route in ROUTES {
            let _empty = m
                .recorder
                .register_histogram(&Key::from_parts(LATENCY, route_labels(route)), &METADATA);
        }
        for outcome in Outcome::ALL {
            m.counter(DECISIONS, outcome_labels(outcome)).increment(0);
        }
        for result in ["evaluated", "invalid", "rejected"] {
            m.counter(CUSTOMERS, vec![Label::new("result", result)])
                .increment(0);
        }
        for name in [RELOADS, RELOAD_FAILURES] {
            m.counter(name, Vec::new()).increment(0);
        }
        for reason in Closed::ALL {
            m.counter(CLOSED, vec![Label::new("reason", reason.label())])
                .increment(0);
        }
        m.gauge(IN_FLIGHT, Vec::new()).set(0.0);
        m.gauge(CONNECTIONS, Vec::new()).set(0.0);
        m
    }
}

fn route_labels(route: &'static str) -> Vec<Label> {
    vec![Label::new("route", route)]
}

fn outcome_labels(outcome: Outcome) -> Vec<Label> {
    vec![Label::new("outcome", outcome.as_str())]
}

impl Metrics {
    fn counter(&self, name: &'static str, labels: Vec<Label>) -> metrics::Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>) -> metrics::Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
    }

    pub fn start(&self) -> InFlight<'_> {
        self.gauge(IN_FLIGHT, Vec::new()).increment(1.0);
        InFlight(self)
    }

    pub fn request(
        &self,
        route: &'static str,
        method: &'static str,
        status: u16,
        elapsed: Duration,
    ) {
        let labels = vec![
            Label::new("route", route),
            Label::new("method", method),
            Label::new("status", status.to_string()),
        ];
        self.counter(REQUESTS, labels).increment(1);
        self.recorder
            .register_histogram(&Key::from_parts(LATENCY, route_labels(route)), &METADATA)
            .record(elapsed.as_secs_f64());
    }

    /// Counts an open connection until the guard is dropped.
    pub fn connection(&self) -> Connection<'_> {
        self.gauge(CONNECTIONS, Vec::new()).increment(1.0);
        Connection(self)
    }

    /// Counts a connection the server closed.
    pub fn connection_closed(&self, reason: Closed) {
        self.counter(CLOSED, vec![Label::new("reason", reason.label())])
            .increment(1);
    }

    pub fn outcome(&self, outcome: Outcome) {
        self.counter(DECISIONS, outcome_labels(outcome))
            .increment(1);
    }

    fn customers(&self, result: &'static str) {
        self.counter(CUSTOMERS, vec![Label::new("result", result)])
            .increment(1);
    }

    pub fn customer(&self) {
        self.customers("evaluated");
    }

    pub fn invalid(&self) {
        self.customers("invalid");
    }

    pub fn rejected(&self) {
        self.customers("rejected");
    }

    pub fn reloaded(&self) {
        self.counter(RELOADS, Vec::new()).increment(1);
    }

    pub fn reload_failed(&self) {
        self.counter(RELOAD_FAILURES, Vec::new()).increment(1);
    }

    /// The Prometheus text exposition, with the ruleset in service.
    pub fn render(&self, hash: &str, loaded_at_unix: f64, last_reload_failed: bool) -> String {
        {
            let mut shown = self
                .shown
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(old) = shown.as_deref().filter(|old| *old != hash) {
                self.gauge(RULESET, vec![Label::new("hash", old.to_string())])
                    .set(0.0);
            }
            self.gauge(RULESET, vec![Label::new("hash", hash.to_string())])
                .set(1.0);
            *shown = Some(hash.to_string());
        }
        self.gauge(LOADED_AT, Vec::new()).set(loaded_at_unix);
        self.gauge(LAST_RELOAD_FAILED, Vec::new())
            .set(f64::from(u8::from(last_reload_failed)));
        self.recorder.handle().render()
    }
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
