//! The server's shared state: the current ruleset behind an atomic pointer,
//! the last reload error, the metrics; and reloading, on file changes
//! (notify, debounced) and on SIGHUP.

use std::path::Path;
use std::sync::Arc;

use arc_swap::{ArcSwap, ArcSwapOption};
use serde::Serialize;

use super::metrics::Metrics;
use super::{auth, Config, RELOAD_DEBOUNCE};
use crate::diagnostic::JsonDiagnostic;
use crate::value::format_time;
use crate::{LoadError, Ruleset};

/// A ruleset in service and when it was loaded.
pub(crate) struct Loaded {
    pub ruleset: Ruleset,
    /// RFC 3339 UTC.
    pub loaded_at: String,
    /// Unix seconds, for the metrics.
    pub loaded_at_unix: f64,
}

impl Loaded {
    fn new(ruleset: Ruleset) -> Loaded {
        let now = chrono::Utc::now();
        Loaded {
            ruleset,
            loaded_at: format_time(now.timestamp() * 1_000_000),
            loaded_at_unix: now.timestamp_micros() as f64 / 1e6,
        }
    }
}

/// Why the last reload was refused.
#[derive(Debug, Serialize)]
pub(crate) struct ReloadFailure {
    /// When it was tried (RFC 3339 UTC).
    pub at: String,
    /// What triggered it: `file change` or `SIGHUP`.
    pub trigger: &'static str,
    /// The whole error in a few lines.
    pub message: String,
    /// Every diagnostic of the refused rules (errors and warnings), when they were read.
    pub diagnostics: Vec<JsonDiagnostic>,
}

pub(crate) struct State {
    pub config: Config,
    current: ArcSwap<Loaded>,
    last_reload_error: ArcSwapOption<ReloadFailure>,
    /// One reload at a time.
    reload_lock: tokio::sync::Mutex<()>,
    pub metrics: Metrics,
    pub token: Option<auth::Token>,
}

impl State {
    pub fn new(config: Config, ruleset: Ruleset) -> State {
        let token = config.token.as_deref().map(auth::Token::new);
        State {
            config,
            current: ArcSwap::from_pointee(Loaded::new(ruleset)),
            last_reload_error: ArcSwapOption::empty(),
            reload_lock: tokio::sync::Mutex::new(()),
            metrics: Metrics::default(),
            token,
        }
    }

    /// The ruleset in service. A request calls this once, when it starts.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// The last reload's error, or `None` when the last reload succeeded
    /// (or there has been none).
    pub fn last_reload_error(&self) -> Option<Arc<ReloadFailure>> {
        self.last_reload_error.load_full()
    }

    /// Loads and checks the rules directory, and swaps the new ruleset in
    /// when it has no error. Otherwise the old one keeps serving.
    pub async fn reload(&self, trigger: &'static str) {
        let _one_at_a_time = self.reload_lock.lock().await;
        let dir = self.config.rules.clone();
        let loaded = tokio::task::spawn_blocking(move || Ruleset::load(&dir)).await;
        let at = format_time(chrono::Utc::now().timestamp() * 1_000_000);
        match loaded {
            Ok(Ok(ruleset)) => {
                self.last_reload_error.store(None);
                let old = self.current();
                if old.ruleset.hash() == ruleset.hash() {
                    tracing::info!(trigger, ruleset = %ruleset.hash(), "rules unchanged");
                    return;
                }
                for warning in ruleset.warnings() {
                    tracing::warn!(message = %warning.message, "ruleset warning");
                }
                tracing::info!(
                    trigger,
                    old = %old.ruleset.hash(),
                    new = %ruleset.hash(),
                    rules = ruleset.program().rules.len(),
                    "ruleset reloaded"
                );
                self.current.store(Arc::new(Loaded::new(ruleset)));
                self.metrics.reloaded();
            }
            Ok(Err(error)) => self.refuse(trigger, at, &error),
            Err(join) => {
                self.metrics.reload_failed();
                tracing::error!(trigger, error = %join, "reload failed; the old ruleset keeps serving");
                self.last_reload_error.store(Some(Arc::new(ReloadFailure {
                    at,
                    trigger,
                    message: format!("the reload task failed: {join}"),
                    diagnostics: Vec::new(),
                })));
            }
        }
    }

    fn refuse(&self, trigger: &'static str, at: String, error: &LoadError) {
        self.metrics.reload_failed();
        tracing::error!(
            trigger,
            ruleset = %self.current().ruleset.hash(),
            error = %error.to_string().replace("\n  ", "; "),
            "reload refused; the old ruleset keeps serving"
        );
        let diagnostics = match error {
            LoadError::Invalid {
                sources,
                diagnostics,
            } => diagnostics.iter().map(|d| d.to_json(sources)).collect(),
            _ => Vec::new(),
        };
        self.last_reload_error.store(Some(Arc::new(ReloadFailure {
            at,
            trigger,
            message: error.to_string(),
            diagnostics,
        })));
    }
}

/// Whether a file event may change the ruleset: a `.nudge` file, or a path
/// without an extension (a directory). Editor swap files, backups and the
/// YAML tests are left alone.
fn relevant(event: &notify::Event) -> bool {
    if event.kind.is_access() {
        return false;
    }
    event.paths.is_empty() || event.paths.iter().any(|p| relevant_path(p))
}

fn relevant_path(path: &Path) -> bool {
    match path.extension() {
        None => true,
        Some(ext) => ext == "nudge",
    }
}

/// Watches the rules directory and reloads once it has been quiet for
/// [`RELOAD_DEBOUNCE`]. Returns the watcher, which must be kept alive, or
/// `None` (logged) when the directory cannot be watched: SIGHUP still works.
pub(crate) fn watch(state: &Arc<State>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let handler = move |event: notify::Result<notify::Event>| match event {
        Ok(event) if relevant(&event) => {
            let _ = tx.send(());
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "file watcher error"),
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(error) => {
            tracing::warn!(%error, "cannot watch the rules directory; reload with SIGHUP");
            return None;
        }
    };
    if let Err(error) = watcher.watch(&state.config.rules, notify::RecursiveMode::Recursive) {
        tracing::warn!(%error, rules = %state.config.rules.display(), "cannot watch the rules directory; reload with SIGHUP");
        return None;
    }
    tracing::info!(rules = %state.config.rules.display(), "watching the rules directory");
    let state = Arc::clone(state);
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            loop {
                match tokio::time::timeout(RELOAD_DEBOUNCE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_quiet) => break,
                }
            }
            state.reload("file change").await;
        }
    });
    Some(watcher)
}

/// Reloads on every SIGHUP.
#[cfg(unix)]
pub(crate) fn reload_on_sighup(state: &Arc<State>) {
    use tokio::signal::unix::{signal, SignalKind};

    let mut hangup = match signal(SignalKind::hangup()) {
        Ok(signal) => signal,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGHUP");
            return;
        }
    };
    let state = Arc::clone(state);
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            state.reload("SIGHUP").await;
        }
    });
}
