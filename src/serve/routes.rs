//! The routes, the JSON errors, and the middleware that authenticates,
//! times out, counts and logs every request.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::metrics::{method_label, route_label};
use super::state::{Loaded, ReloadFailure, State as Shared};
use crate::batch::{Evaluate, Line, Processed, Rejection};
use crate::decision::{Decision, Evaluation, Outcome};
use crate::snapshot::Customer;
use crate::value::format_time;

type AppState = Arc<Shared>;

/// The header naming the ruleset that answered (its SHA-256).
const RULESET_HEADER: &str = "x-nudge-ruleset";
/// The header giving the evaluation instant of a batch.
const NOW_HEADER: &str = "x-nudge-now";

pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.config.max_body;
    Router::new()
        .route("/v1/evaluate", post(evaluate))
        .route("/v1/evaluate/batch", post(batch))
        .route("/v1/ruleset", get(ruleset_info))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .with_state(state)
}

// ---------------------------------------------------------------- errors

#[derive(Serialize)]
struct ErrorBody {
    error: String,
    #[serde(flatten)]
    extra: serde_json::Value,
}

/// A JSON error response: `{"error": "..."}` plus the fields of `extra` (an object).
fn error(status: StatusCode, message: impl Into<String>, extra: serde_json::Value) -> Response {
    let extra = if extra.is_object() { extra } else { json!({}) };
    let body = ErrorBody {
        error: message.into(),
        extra,
    };
    (status, Json(body)).into_response()
}

/// A request body that is not JSON → 400 with the line and column; JSON of
/// the wrong shape → 422.
fn json_error(e: &serde_json::Error) -> Response {
    let message = crate::snapshot::json_error_message(e);
    match e.classify() {
        serde_json::error::Category::Data => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the request is JSON but not an evaluation request: {message}"),
            json!({}),
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            format!("malformed JSON: {message}"),
            json!({ "line": e.line(), "column": e.column() }),
        ),
    }
}

fn body_error(rejection: BytesRejection, max_body: usize) -> Response {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        error(
            status,
            format!("the request body is larger than the limit of {max_body} bytes (--max-body)"),
            json!({ "limit": max_body }),
        )
    } else {
        error(
            status,
            format!("cannot read the request body: {}", rejection.body_text()),
            json!({}),
        )
    }
}

/// The evaluation instant: `now` from the request (any offset, converted to
/// UTC), or the current time to the second, like `nudge eval` (both from
/// [`crate::instant`]). The error is the 422 message.
fn parse_now(text: Option<&str>) -> Result<DateTime<Utc>, String> {
    match text {
        Some(text) => crate::instant::parse(text)
            .map_err(|e| format!("`now` is {e}; write e.g. {}", crate::instant::EXAMPLE)),
        None => Ok(crate::instant::current()),
    }
}

fn now_text(now: DateTime<Utc>) -> String {
    format_time(now.timestamp_micros())
}

// ---------------------------------------------------------------- middleware

/// What an evaluation tells the request log.
#[derive(Clone)]
struct Logged {
    customer: String,
    decisions: usize,
    /// `decision_id` of every `send`.
    sends: Vec<String>,
}

/// Authenticates (all routes but `/healthz`), applies the timeout, turns
/// axum's bare 405 into JSON, counts, times and logs every request.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let _in_flight = state.metrics.start();
    let route = route_label(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let authorized = path == "/healthz"
        || state
            .token
            .as_ref()
            .is_none_or(|t| t.admits(request.headers()));
    let mut response = if !authorized {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token: send `Authorization: Bearer <token>`",
            json!({}),
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"nudge\""),
        );
        r
    } else {
        match tokio::time::timeout(state.config.timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_elapsed) => error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request took longer than {} ms (--timeout)",
                    state.config.timeout.as_millis()
                ),
                json!({}),
            ),
        }
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        response = method_not_allowed(&method, &path, route);
    }

    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    state
        .metrics
        .request(route, method_label(&method), status, elapsed);
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    match response.extensions().get::<Logged>() {
        Some(l) => tracing::info!(
            %method, %path, status, micros,
            customer = %l.customer, decisions = l.decisions, sends = %l.sends.join(","),
            "request"
        ),
        None if status >= 500 => tracing::error!(%method, %path, status, micros, "request"),
        None => tracing::info!(%method, %path, status, micros, "request"),
    }
    response
}

/// axum's bare 405, as JSON (axum adds the `Allow` header itself).
fn method_not_allowed(method: &Method, path: &str, route: &str) -> Response {
    let allowed = match route {
        "/v1/evaluate" | "/v1/evaluate/batch" => "POST",
        _ => "GET",
    };
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {path}; use {allowed}"),
        json!({}),
    )
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "no route for {method} {}; the routes are POST /v1/evaluate, POST /v1/evaluate/batch, \
             GET /v1/ruleset, GET /healthz and GET /metrics",
            uri.path()
        ),
        json!({}),
    )
}

// ---------------------------------------------------------------- evaluate

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluateRequest {
    customer: serde_json::Value,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    explain: Option<bool>,
}

#[derive(Serialize)]
struct EvaluateResponse<'a> {
    ruleset: &'a str,
    now: String,
    decisions: &'a [Decision],
}

fn record(state: &Shared, decisions: &[Decision]) {
    for d in decisions {
        state.metrics.outcome(d.outcome);
    }
}

fn sends(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter(|d| d.outcome == Outcome::Send)
        .map(|d| d.decision_id.clone())
        .collect()
}

async fn evaluate(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection, state.config.max_body),
    };
    let request: EvaluateRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return json_error(&e),
    };
    let now = match parse_now(request.now.as_deref()) {
        Ok(now) => now,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, message, json!({})),
    };
    // The ruleset is taken once: a reload during this request does not affect it.
    let loaded: Arc<Loaded> = state.current();
    let ruleset = &loaded.ruleset;
    let customer = match ruleset.read_customer_value(&request.customer) {
        Ok(customer) => customer,
        Err(rejected) => {
            state.metrics.rejected();
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`customer` is not a customer snapshot: {rejected}"),
                json!({}),
            );
        }
    };
    if let Customer::Invalid(invalid) = &customer {
        state.metrics.invalid();
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "customer {} does not fit the schema: {}",
                invalid.id,
                invalid.summary()
            ),
            json!({
                "customer": invalid.id,
                "problems": invalid.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        );
    }
    let decisions = if request.explain.unwrap_or(false) {
        ruleset.evaluate_with_explain(&customer, now).decisions
    } else {
        ruleset.evaluate(&customer, now)
    };
    state.metrics.customer();
    record(&state, &decisions);
    let logged = Logged {
        customer: customer.id().to_owned(),
        decisions: decisions.len(),
        sends: sends(&decisions),
    };
    let mut response = Json(EvaluateResponse {
        ruleset: ruleset.hash(),
        now: now_text(now),
        decisions: &decisions,
    })
    .into_response();
    if let Ok(hash) = HeaderValue::from_str(ruleset.hash()) {
        response.headers_mut().insert(RULESET_HEADER, hash);
    }
    response.extensions_mut().insert(logged);
    response
}

// ---------------------------------------------------------------- batch

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchParams {
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    explain: Option<bool>,
}

/// The streamed response body: chunks of NDJSON from the batch task.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
}

impl HttpBody for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(http_body::Frame::data(b))))
    }
}

async fn batch(
    State(state): State<AppState>,
    params: Result<Query<BatchParams>, QueryRejection>,
    body: Body,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "bad query string: {}; the parameters are now=RFC3339 and explain=true|false",
                    rejection.body_text()
                ),
                json!({}),
            )
        }
    };
    let now = match parse_now(params.now.as_deref()) {
        Ok(now) => now,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, message, json!({})),
    };
    let loaded = state.current();
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .header(NOW_HEADER, now_text(now));
    if let Ok(hash) = HeaderValue::from_str(loaded.ruleset.hash()) {
        response = response.header(RULESET_HEADER, hash);
    }
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(run_batch(
        state,
        loaded,
        body,
        now,
        params.explain.unwrap_or(false),
        tx,
    ));
    response
        .body(Body::new(ChannelBody { rx }))
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json!({})))
}

/// Flush the output to the client once this much is buffered (or at the end
/// of each input chunk).
const FLUSH_AT: usize = 64 * 1024;

/// Reads the body, cuts it into lines, evaluates the complete lines of
/// each chunk with the library's batch engine (in parallel, in order) and
/// streams one output line per input line. Stops when the client goes away.
async fn run_batch(
    state: AppState,
    loaded: Arc<Loaded>,
    mut body: Body,
    now: DateTime<Utc>,
    explain: bool,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) {
    let start = Instant::now();
    let max_line = state.config.max_body;
    let engine =
        crate::batch::Batch::new(Evaluate::new(loaded.ruleset.clone(), now).explain(explain));
    let mut batch = Streamed {
        state: &state,
        line: 0,
        rejected: 0,
        blank: 0,
        decisions: 0,
        out: Vec::new(),
    };
    let mut pending: Vec<u8> = Vec::new();
    let mut aborted = None;
    loop {
        let frame = tokio::time::timeout(
            state.config.timeout,
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)),
        )
        .await;
        let data = match frame {
            Err(_stalled) => {
                aborted = Some(format!(
                    "the request body stalled for more than {} ms (--timeout); batch aborted",
                    state.config.timeout.as_millis()
                ));
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                aborted = Some(format!("cannot read the request body ({e}); batch aborted"));
                break;
            }
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => data,
                Err(_trailers) => continue,
            },
        };
        pending.extend_from_slice(&data);
        let mut consumed = 0;
        let mut too_long = false;
        let mut lines: Vec<(u64, &[u8])> = Vec::new();
        while let Some(i) = pending
            .get(consumed..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
        {
            if i > max_line {
                too_long = true;
                break;
            }
            let end = consumed + i;
            lines.push((
                batch.line + lines.len() as u64 + 1,
                pending.get(consumed..end).unwrap_or_default(),
            ));
            consumed = end + 1;
        }
        let count = lines.len() as u64;
        let results = engine.lines(&lines);
        drop(lines);
        batch.line += count;
        for line in results {
            batch.line_result(line);
            if batch.out.len() >= FLUSH_AT && !batch.flush(&tx).await {
                return;
            }
        }
        pending.drain(..consumed);
        if too_long || pending.len() > max_line {
            aborted = Some(format!(
                "line {} is longer than the limit of {max_line} bytes (--max-body); batch aborted",
                batch.line + 1
            ));
            break;
        }
        if !batch.flush(&tx).await {
            return;
        }
    }
    match aborted {
        Some(message) => {
            batch.line += 1;
            batch.write(Processed {
                line: batch.line,
                result: Err(Rejection::Other(message)),
            });
            tracing::warn!(line = batch.line, "batch aborted");
        }
        None if !pending.is_empty() => {
            batch.line += 1;
            for line in engine.lines(&[(batch.line, &pending)]) {
                batch.line_result(line);
            }
        }
        None => {}
    }
    batch.flush(&tx).await;
    tracing::info!(
        lines = batch.line,
        rejected = batch.rejected,
        blank_lines = batch.blank,
        decisions = batch.decisions,
        micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        ruleset = %loaded.ruleset.hash(),
        "batch done"
    );
}

/// The output line for an input line that is not a customer.
#[derive(Serialize)]
struct LineError<'a> {
    line: u64,
    error: &'a str,
}

/// The output line for a blank input line: skipped, not an error.
#[derive(Serialize)]
struct LineSkipped {
    line: u64,
    skipped: &'static str,
}

/// The response side of a batch: metrics, logs and the output buffer.
struct Streamed<'a> {
    state: &'a Shared,
    /// Input lines read so far (1-based number of the last one).
    line: u64,
    rejected: u64,
    /// Blank lines skipped.
    blank: u64,
    decisions: u64,
    out: Vec<u8>,
}

impl Streamed<'_> {
    /// The output line of one input line.
    fn line_result(&mut self, line: Line<Evaluation>) {
        match line {
            Line::Record(processed) => self.write(processed),
            Line::Blank(line) => {
                self.blank += 1;
                let record = LineSkipped {
                    line,
                    skipped: "blank line",
                };
                if serde_json::to_writer(&mut self.out, &record).is_ok() {
                    self.out.push(b'\n');
                }
            }
        }
    }

    /// One output line: the line's decisions as a JSON array, or its error.
    fn write(&mut self, processed: Processed<Evaluation>) {
        let evaluation = match processed.result {
            Ok(evaluation) => evaluation,
            Err(rejection) => {
                self.state.metrics.rejected();
                self.rejected += 1;
                let record = LineError {
                    line: processed.line,
                    error: &rejection.to_string(),
                };
                if serde_json::to_writer(&mut self.out, &record).is_ok() {
                    self.out.push(b'\n');
                }
                return;
            }
        };
        if evaluation.is_invalid() {
            self.state.metrics.invalid();
        } else {
            self.state.metrics.customer();
        }
        let decisions = &evaluation.decisions;
        record(self.state, decisions);
        self.decisions += decisions.len() as u64;
        let sends = sends(decisions);
        if !sends.is_empty() {
            tracing::info!(line = processed.line, customer = %evaluation.customer, sends = %sends.join(","), "batch sends");
        }
        if serde_json::to_writer(&mut self.out, decisions).is_err() {
            self.out.extend_from_slice(b"[]");
        }
        self.out.push(b'\n');
    }

    /// Sends what is buffered; false when the client has gone away.
    async fn flush(&mut self, tx: &tokio::sync::mpsc::Sender<Bytes>) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let chunk = Bytes::from(std::mem::take(&mut self.out));
        tx.send(chunk).await.is_ok()
    }
}

// ---------------------------------------------------------------- the rest

#[derive(Serialize)]
struct FileInfo<'a> {
    name: &'a str,
    bytes: usize,
}

#[derive(Serialize)]
struct RulesetInfo<'a> {
    hash: &'a str,
    loaded_at: &'a str,
    rules_dir: String,
    files: Vec<FileInfo<'a>>,
    /// In arbitration order.
    rules: Vec<&'a str>,
    warnings: usize,
    last_reload_error: Option<&'a ReloadFailure>,
}

async fn ruleset_info(State(state): State<AppState>) -> Response {
    let loaded = state.current();
    let ruleset = &loaded.ruleset;
    let files: Vec<FileInfo> = ruleset
        .sources()
        .files()
        .map(|(_, f)| FileInfo {
            name: &f.name,
            bytes: f.text.len(),
        })
        .collect();
    let rules: Vec<&str> = ruleset
        .program()
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let last_reload_error = state.last_reload_error();
    Json(RulesetInfo {
        hash: ruleset.hash(),
        loaded_at: &loaded.loaded_at,
        rules_dir: state.config.rules.display().to_string(),
        files,
        rules,
        warnings: ruleset.warnings().len(),
        last_reload_error: last_reload_error.as_deref(),
    })
    .into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    Json(json!({ "status": "ok", "ruleset": state.current().ruleset.hash() })).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let loaded = state.current();
    let text = state.metrics.render(
        loaded.ruleset.hash(),
        loaded.loaded_at_unix,
        state.last_reload_error().is_some(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
