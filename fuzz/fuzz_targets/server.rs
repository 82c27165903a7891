//! An HTTP request body → the server's routes, in-process (no socket):
//! `POST /v1/evaluate` with the body as the JSON request, or
//! `POST /v1/evaluate/batch` with the body as NDJSON lines, through the
//! same middleware as `nudge serve`, against the bundled ruleset. The first
//! byte picks the route and the query; the response body is read to the end.
//! A 5xx answer is a finding: bad input is the client's error.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use nudge::serve::{router, Config};
use nudge_fuzz::{bundled, on_worker_stack};
use tower::ServiceExt;

/// The largest body of `/v1/evaluate` and line of the batch route.
const MAX_BODY: usize = 64 * 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => panic!("cannot build a tokio runtime: {e}"),
        }
    })
}

fn app() -> axum::Router {
    static APP: OnceLock<axum::Router> = OnceLock::new();
    APP.get_or_init(|| {
        let config = Config {
            rules: concat!(env!("CARGO_MANIFEST_DIR"), "/../rules").into(),
            addr: nudge::serve::DEFAULT_ADDR
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
            max_body: MAX_BODY,
            timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(5),
            max_connections: 16,
            token: None,
            watch: false,
        };
        let _guard = runtime().enter();
        router(config, bundled().clone())
    })
    .clone()
}

const BATCH_QUERIES: [&str; 4] = [
    "",
    "?now=2026-11-23T09:00:00Z",
    "?now=2026-11-23T09:00:00Z&explain=true",
    "?explain=false",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let uri = if selector & 1 == 0 {
        "/v1/evaluate".to_string()
    } else {
        let query = BATCH_QUERIES
            .get(usize::from(selector >> 1) % BATCH_QUERIES.len())
            .copied()
            .unwrap_or_default();
        format!("/v1/evaluate/batch{query}")
    };
    let request = Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
        .unwrap_or_else(|e| panic!("{e}"));
    // On a 2 MiB stack, as on a tokio worker of `nudge serve`.
    let (status, bytes) = on_worker_stack(|| {
        runtime().block_on(async {
            let response = app().oneshot(request).await.unwrap_or_else(|e| match e {});
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap_or_else(|e| panic!("the response body failed: {e}"));
            (status, bytes)
        })
    });
    assert!(
        !status.is_server_error(),
        "{uri} answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status == StatusCode::OK && uri.starts_with("/v1/evaluate/batch") {
        // One output line per input line (empty lines included), each JSON.
        let lines = bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty());
        for line in lines {
            if serde_json::from_slice::<serde_json::Value>(line).is_err() {
                panic!(
                    "a batch output line is not JSON: {}",
                    String::from_utf8_lossy(line)
                );
            }
        }
    }
});
