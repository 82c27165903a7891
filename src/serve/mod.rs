//! `nudge serve`: the HTTP JSON API for services in any language
//! (feature `server`). See `docs/server.md` for the routes, the errors,
//! hot reload, authentication and the metrics.
//!
//! The server holds the current [`Ruleset`] behind an atomic pointer: each
//! request takes it once when it starts, so a reload never changes the rules
//! under a request and no request sees a half-loaded ruleset. A reload (a
//! `.nudge` file changed, or SIGHUP) loads and checks the new rules first and
//! swaps them in only when they have no error; otherwise the old ruleset keeps
//! serving and the error is logged and shown on `GET /v1/ruleset`.
//!
//! ```no_run
//! use std::time::Duration;
//! use nudge::serve::{Config, DEFAULT_ADDR};
//!
//! let config = Config {
//!     rules: "rules".into(),
//!     addr: DEFAULT_ADDR.parse().unwrap(),
//!     max_body: 1 << 20,
//!     timeout: Duration::from_secs(10),
//!     header_timeout: Duration::from_secs(10),
//!     idle_timeout: Duration::from_secs(30),
//!     max_connections: 512,
//!     token: None,
//!     watch: true,
//! };
//! config.validate().unwrap();
//! let ruleset = nudge::Ruleset::load(&config.rules).unwrap();
//! nudge::serve::run(config, ruleset).unwrap(); // until SIGTERM or Ctrl-C
//! ```

mod auth;
mod conn;
mod metrics;
mod routes;
mod state;

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::{LoadError, Ruleset};

/// The address `nudge serve` listens on unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// The most `--max-connections` may be: far above what one process serves
/// well, low enough that a typo cannot promise more sockets than exist.
pub const MAX_CONNECTIONS: usize = 1 << 20;

/// How long to wait for a quiet rules directory before reloading: editors
/// and deploy tools write several files, or one file in several steps.
pub const RELOAD_DEBOUNCE: Duration = Duration::from_millis(200);

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The ruleset directory: reloaded from on change and on SIGHUP.
    pub rules: PathBuf,
    /// Where to listen. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// The largest request body of `POST /v1/evaluate`, and the longest
    /// line of `POST /v1/evaluate/batch`, in bytes.
    pub max_body: usize,
    /// The longest a request may take; for the streaming batch route, the
    /// longest the request body may stall.
    pub timeout: Duration,
    /// The longest a client may take to send a request head: from the
    /// accept, or from the first byte of a later request on the connection.
    /// Slower connections (slowloris) are closed.
    pub header_timeout: Duration,
    /// The longest a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// The most client connections open at once; further clients wait in
    /// the listen backlog until one closes.
    pub max_connections: usize,
    /// When set, every route but `/healthz` needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Watch the rules directory and reload on change (SIGHUP always reloads).
    pub watch: bool,
}

impl Config {
    /// Refuses settings that are unsafe or cannot work: a non-loopback
    /// address without a token, an empty token, a zero body limit or timeout.
    pub fn validate(&self) -> Result<(), ServeError> {
        if let Some(token) = &self.token {
            if token.trim().is_empty() {
                return Err(ServeError::Config("the token is empty".into()));
            }
        } else if !self.addr.ip().is_loopback() {
            return Err(ServeError::Insecure(self.addr));
        }
        if self.max_body == 0 {
            return Err(ServeError::Config(
                "--max-body must be more than 0 bytes".into(),
            ));
        }
        if self.timeout.is_zero() {
            return Err(ServeError::Config("--timeout must be more than 0".into()));
        }
        if self.header_timeout.is_zero() {
            return Err(ServeError::Config(
                "--header-timeout must be more than 0".into(),
            ));
        }
        if self.idle_timeout.is_zero() {
            return Err(ServeError::Config(
                "--idle-timeout must be more than 0".into(),
            ));
        }
        if !(1..=MAX_CONNECTIONS).contains(&self.max_connections) {
            return Err(ServeError::Config(format!(
                "--max-connections must be from 1 to {MAX_CONNECTIONS}"
            )));
        }
        Ok(())
    }
}

/// Why the server could not start or run.
#[derive(Debug)]
pub enum ServeError {
    /// A setting is unusable.
    Config(String),
    /// A non-loopback address without a token.
    Insecure(SocketAddr),
    /// The rules could not be loaded.
    Load(LoadError),
    /// The address could not be bound.
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The runtime or the listener failed.
    Io(std::io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Config(message) => f.write_str(message),
            ServeError::Insecure(addr) => write!(
                f,
                "refusing to listen on {addr} without --token-file: anyone who can reach it could \
                 evaluate customers and read the rules. Pass --token-file FILE to require a bearer \
                 token, or listen on a loopback address such as {DEFAULT_ADDR}"
            ),
            ServeError::Load(error) => write!(f, "{error}"),
            ServeError::Bind { addr, error } => write!(f, "cannot listen on {addr}: {error}"),
            ServeError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// Runs the server until SIGTERM or Ctrl-C, on a new multi-threaded runtime.
/// Prints `listening on http://ADDR` on stdout once bound (with the port
/// chosen when `config.addr` has port 0).
pub fn run(config: Config, ruleset: Ruleset) -> Result<(), ServeError> {
    config.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|error| ServeError::Bind {
                addr: config.addr,
                error,
            })?;
        let local = listener.local_addr().map_err(ServeError::Io)?;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on http://{local}");
        let _ = stdout.flush();
        drop(stdout);
        serve(listener, config, ruleset).await
    })
}

/// The routes over `ruleset`, without a listener, file watcher or signal
/// handling: for callers that drive the handlers in-process (the fuzzers in
/// `fuzz/` send request bodies through it). Call it inside a Tokio runtime
/// with time enabled; the batch route spawns a task.
pub fn router(config: Config, ruleset: Ruleset) -> axum::Router {
    routes::router(Arc::new(state::State::new(config, ruleset)))
}

/// Serves on an already bound listener until SIGTERM or Ctrl-C, then stops
/// accepting connections, closes those that are not answering a request and
/// finishes the requests in flight (for at most `config.timeout` plus 5
/// seconds). Connections that do not send a request head within
/// `config.header_timeout`, or wait longer than `config.idle_timeout` for
/// their next request, are closed; at most `config.max_connections` are open.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    ruleset: Ruleset,
) -> Result<(), ServeError> {
    config.validate()?;
    let local = listener.local_addr().map_err(ServeError::Io)?;
    let grace = config.timeout + Duration::from_secs(5);
    let state = Arc::new(state::State::new(config, ruleset));
    tracing::info!(
        addr = %local,
        rules = %state.config.rules.display(),
        ruleset = %state.current().ruleset.hash(),
        auth = state.config.token.is_some(),
        "listening"
    );

    // Kept alive for as long as the server runs.
    let _watcher = if state.config.watch {
        state::watch(&state)
    } else {
        None
    };
    #[cfg(unix)]
    state::reload_on_sighup(&state);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let signal = shutdown_signal().await;
        tracing::info!(signal, "shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    });

    let limits = conn::Limits {
        header: state.config.header_timeout,
        idle: state.config.idle_timeout,
        max: state.config.max_connections,
    };
    let app = routes::router(Arc::clone(&state));
    let left = conn::serve(listener, app, limits, state, stop_rx, grace).await;
    if left > 0 {
        tracing::warn!(
            grace_seconds = grace.as_secs(),
            connections = left,
            "requests still in flight after the grace period; exiting anyway"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM or Ctrl-C (SIGINT) and says which.
async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    }
}

/// Splits `512KiB` into its leading number and the unit after it.
fn number_and_unit<'t>(text: &'t str, what: &str) -> Result<(u64, &'t str), String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number = digits
        .parse()
        .map_err(|_| format!("`{text}` is not {what}"))?;
    Ok((number, unit))
}

/// Parses a byte size: a number with an optional unit, `B`, `KiB`/`K`,
/// `MiB`/`M`, `GiB`/`G` (powers of 1024) or `KB`, `MB`, `GB` (powers of
/// 1000), case-insensitive: `1MiB`, `512KiB`, `65536`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text, "a size; write e.g. 1MiB, 512KiB or 65536")?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit `{other}`; use B, KiB, MiB, GiB, KB, MB or GB"
            ))
        }
    };
    number
        .checked_mul(factor)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Parses a duration: a number with a unit, `ms`, `s`, `m` or `h`: `10s`, `500ms`, `2m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text, "a duration; write e.g. 10s, 500ms or 2m")?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => Ok(Duration::from_secs(number.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(number.saturating_mul(3600))),
        "" => Err(format!("`{text}` needs a unit: ms, s, m or h")),
        other => Err(format!(
            "unknown duration unit `{other}`; use ms, s, m or h"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512kib"), Ok(512 << 10));
        assert_eq!(parse_size("64KB"), Ok(64_000));
        assert_eq!(parse_size("65536"), Ok(65536));
        assert!(parse_size("1 parsec").is_err());
        assert!(parse_size("MiB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10y").is_err());
    }

    fn config(addr: &str, token: Option<&str>) -> Config {
        Config {
            rules: "rules".into(),
            addr: addr.parse().unwrap(),
            max_body: 1 << 20,
            timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            token: token.map(str::to_owned),
            watch: false,
        }
    }

    #[test]
    fn non_loopback_needs_a_token() {
        assert!(config("127.0.0.1:0", None).validate().is_ok());
        assert!(config("[::1]:0", None).validate().is_ok());
        assert!(matches!(
            config("0.0.0.0:7878", None).validate(),
            Err(ServeError::Insecure(_))
        ));
        assert!(config("0.0.0.0:7878", Some("s3cret")).validate().is_ok());
        assert!(config("127.0.0.1:0", Some("  ")).validate().is_err());
    }
}
