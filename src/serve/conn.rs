//! Connections: the accept loop, the connection limit, the header-read and
//! idle keep-alive timeouts, and graceful shutdown.
//!
//! `axum::serve` keeps a connection open for as long as the client likes,
//! so clients that connect and send nothing, or trickle a request head one
//! byte at a time (slowloris), pile up until the process runs out of file
//! descriptors, and hold shutdown for its whole grace period. Here each
//! connection runs hyper's HTTP/1 server under a watchdog that knows which
//! phase the connection is in:
//!
//! - **reading a head**: from the accept, and from the first byte of every
//!   later request, the complete request head must arrive within
//!   [`Limits::header`];
//! - **busy**: a request is being answered (bounded by `--timeout` in the
//!   routes); no watchdog deadline;
//! - **waiting** between requests on a kept-alive connection: closed when
//!   no byte arrives for [`Limits::idle`].
//!
//! At most [`Limits::max`] connections are open at once; past that the
//! accept loop waits for one to close (new clients queue in the kernel's
//! backlog). On shutdown the loop stops accepting, connections that are
//! not answering a request are closed at once, and the others finish their
//! request and close.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::state::State;

/// How long connections may stay open without progress, and how many.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The longest a request head may take to arrive, from the accept or
    /// from the first byte of the request.
    pub(crate) header: Duration,
    /// The longest a kept-alive connection may wait for its next request.
    pub(crate) idle: Duration,
    /// The most connections open at once.
    pub(crate) max: usize,
}

/// Why the watchdog closed a connection (a metric label and a log field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The request head did not arrive within [`Limits::header`].
    HeaderTimeout,
    /// No request within [`Limits::idle`] of the last answer.
    IdleTimeout,
    /// The server is shutting down and the connection was not answering.
    Shutdown,
}

impl Closed {
    /// Every reason.
    pub(crate) const ALL: [Closed; 3] =
        [Closed::HeaderTimeout, Closed::IdleTimeout, Closed::Shutdown];

    /// The label of `nudge_http_connections_closed_total`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Closed::HeaderTimeout => "header_timeout",
            Closed::IdleTimeout => "idle_timeout",
            Closed::Shutdown => "shutdown",
        }
    }
}

/// What a connection is doing, with the deadline of its phase.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Reading a request head, which must be complete by the deadline.
    Head(Instant),
    /// Answering this many requests.
    Busy(usize),
    /// Kept alive between requests, until the deadline.
    Waiting(Instant),
}

/// The phase of one connection, shared by its reader, its service and its
/// watchdog.
#[derive(Debug)]
struct Activity {
    phase: Mutex<Phase>,
    limits: Limits,
}

impl Activity {
    fn new(limits: Limits) -> Activity {
        Activity {
            phase: Mutex::new(Phase::Head(Instant::now() + limits.header)),
            limits,
        }
    }

    fn update(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        *phase = f(*phase);
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: a waiting connection starts reading a head.
    fn read(&self) {
        let header = self.limits.header;
        self.update(|phase| match phase {
            Phase::Waiting(_) => Phase::Head(Instant::now() + header),
            other => other,
        });
    }

    /// A request head was read: the connection is busy until the answer is
    /// sent (the guard is dropped).
    fn request(self: &Arc<Self>) -> RequestGuard {
        self.update(|phase| match phase {
            Phase::Busy(n) => Phase::Busy(n + 1),
            _ => Phase::Busy(1),
        });
        RequestGuard {
            activity: Arc::clone(self),
        }
    }

    /// When the connection is not answering a request: the deadline of its
    /// phase and why it would be closed then.
    fn deadline(&self) -> Option<(Instant, Closed)> {
        match self.phase() {
            Phase::Head(at) => Some((at, Closed::HeaderTimeout)),
            Phase::Waiting(at) => Some((at, Closed::IdleTimeout)),
            Phase::Busy(_) => None,
        }
    }

    /// Resolves when the deadline of the current phase has passed.
    async fn expired(&self) -> Closed {
        let recheck = self.limits.header.min(self.limits.idle);
        loop {
            match self.deadline() {
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => tokio::time::sleep(recheck).await,
            }
        }
    }
}

/// Held while a request is answered: dropped with the response body, once
/// hyper has sent it (or the connection is gone).
struct RequestGuard {
    activity: Arc<Activity>,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let idle = self.activity.limits.idle;
        self.activity.update(|phase| match phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            Phase::Busy(_) => Phase::Waiting(Instant::now() + idle),
            other => other,
        });
    }
}

/// A response body that keeps its request's [`RequestGuard`] until it is
/// dropped.
struct Guarded {
    body: Body,
    _guard: RequestGuard,
}

impl http_body::Body for Guarded {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The TCP stream, telling [`Activity`] when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Resolves once `stop` is true; never when its sender is gone without
/// saying so.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Accepts connections until `stop`, then waits for the open ones to close
/// (for at most `grace`, after which they are dropped). Returns how many
/// were still open when the grace period ended.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) -> usize {
    let permits = Arc::new(Semaphore::new(limits.max));
    let mut open = JoinSet::new();
    let mut warned_full = false;
    loop {
        while open.try_join_next().is_some() {}
        if permits.available_permits() == 0 && !warned_full {
            warned_full = true;
            tracing::warn!(
                max_connections = limits.max,
                "connection limit reached: new connections wait until one closes (--max-connections)"
            );
        }
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit,
            () = stopped(&mut stop) => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                if !is_connection_error(&error) {
                    // E.g. too many open files: wait rather than spin.
                    tracing::error!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        if permits.available_permits() > 0 {
            warned_full = false;
        }
        open.spawn(connection(
            stream,
            app.clone(),
            limits,
            Arc::clone(&state),
            stop.clone(),
            permit,
        ));
    }
    drop(listener);
    let drained =
        tokio::time::timeout(grace, async { while open.join_next().await.is_some() {} }).await;
    let left = open.len();
    if drained.is_err() {
        open.abort_all();
    }
    left
}

/// Errors of one connection that the next accept does not share.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection until the client closes it, a timeout of its
/// phase passes, or shutdown (at once when not answering a request).
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _open = state.metrics.connection();
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new(limits));
    let io = TokioIo::new(Watched {
        stream,
        activity: Arc::clone(&activity),
    });
    let on_request = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let guard = on_request.request();
        let mut app = app.clone();
        async move {
            let response = tower_service::Service::call(&mut app, request.map(Body::new)).await?;
            Ok::<_, std::convert::Infallible>(response.map(|body| Guarded {
                body,
                _guard: guard,
            }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // The watchdog below times heads; hyper's own timer would also
        // run while the connection waits between requests.
        .header_read_timeout(None)
        .serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    let closed = loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            why = activity.expired() => break why,
            () = stopped(&mut stop), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
                if activity.deadline().is_some() {
                    break Closed::Shutdown;
                }
            }
        }
    };
    state.metrics.connection_closed(closed);
    tracing::debug!(reason = closed.label(), "connection closed by the server");
}
