//! `nudge serve`: the HTTP JSON API (feature `server`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use nudge::serve::{parse_duration, parse_size, Config};

/// Serve the rules over HTTP: a JSON API for services in any language.
///
/// Routes: `POST /v1/evaluate` (one customer: `{"customer": {...}, "now": "...",
/// "explain": false}`), `POST /v1/evaluate/batch` (NDJSON in, NDJSON out,
/// streamed: one line of decisions per line of customers), `GET /v1/ruleset`,
/// `GET /healthz` and `GET /metrics` (Prometheus). See docs/server.md.
///
/// The rules are checked at start-up (the server does not start on errors) and
/// reloaded when a `.nudge` file under DIR changes or on SIGHUP. A ruleset with
/// errors is refused and the old one keeps serving; the error is logged and
/// shown on `GET /v1/ruleset`. SIGTERM or Ctrl-C stops accepting connections,
/// closes idle ones and finishes the requests in flight.
///
/// Prints `listening on http://ADDR` on stdout once ready; logs go to stderr
/// (level from RUST_LOG, default `info`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ruleset directory, watched for changes.
    #[arg(long, value_name = "DIR", default_value = "rules")]
    rules: PathBuf,
    /// The address to listen on, HOST:PORT. Port 0 picks a free port.
    /// Anything but a loopback address needs --token-file.
    #[arg(long, value_name = "HOST:PORT", default_value = nudge::serve::DEFAULT_ADDR, value_parser = parse_addr)]
    addr: SocketAddr,
    /// The largest request body of /v1/evaluate and the longest line of
    /// /v1/evaluate/batch (larger: 413). Units B, KiB, MiB, KB, MB.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size)]
    max_body: usize,
    /// The longest a request may take (longer: 408); for /v1/evaluate/batch,
    /// the longest its body may stall. Units ms, s, m.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// The longest a client may take to send a request head, counted from
    /// the connection's accept or from the first byte of a later request.
    /// Slower connections (nothing sent, or headers trickled: slowloris)
    /// are closed. Units ms, s, m.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// The longest a kept-alive connection may wait for its next request
    /// before the server closes it. Units ms, s, m.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    idle_timeout: Duration,
    /// The most client connections open at once; further clients wait
    /// (in the listen backlog) until one closes.
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_connections: usize,
    /// Require `Authorization: Bearer <token>` on every route but /healthz,
    /// the token being the content of FILE (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Do not watch DIR; reload only on SIGHUP.
    #[arg(long)]
    no_watch: bool,
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    text.to_socket_addrs()
        .map_err(|e| format!("not an address ({e}); write HOST:PORT, e.g. 127.0.0.1:7878"))?
        .next()
        .ok_or_else(|| format!("{text} resolves to no address"))
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn read_token(path: &PathBuf) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("the token file {} is empty", path.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(file = %path.display(), "the token file is readable by other users; chmod 600 it");
            }
        }
    }
    Ok(token.to_owned())
}

pub fn run(args: Args) -> u8 {
    init_logging();
    let token = match args.token_file.as_ref().map(read_token).transpose() {
        Ok(token) => token,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    let config = Config {
        rules: args.rules,
        addr: args.addr,
        max_body: args.max_body,
        timeout: args.timeout,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        max_connections: args.max_connections,
        token,
        watch: !args.no_watch,
    };
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return 1;
    }
    let Some(ruleset) = super::load_ruleset(&config.rules) else {
        return 1;
    };
    for warning in ruleset.warnings() {
        tracing::warn!(message = %warning.message, "ruleset warning");
    }
    match nudge::serve::run(config, ruleset) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
