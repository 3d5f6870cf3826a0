//! The accept loop: every connection is bounded.
//!
//! `axum::serve` kept idle and slow-header connections open forever (about
//! 20,000 idle sockets, the file limit, took `/health` down with nothing
//! logged). Here each connection is served by hyper's HTTP/1 builder with
//! the configured [`Limits`]:
//!
//! * **header read timeout** (`header_read_timeout_secs`): hyper starts the
//!   timer whenever it waits for a request head — on a new connection and
//!   between requests on a kept-alive one — and closes the connection when
//!   the head is not complete in time. So it is also the keep-alive idle
//!   timeout.
//! * **inactivity timeout** (`idle_timeout_secs`): the socket is wrapped in
//!   `tokio-io-timeout`; a read or a write that makes no progress for that
//!   long fails and the connection is dropped (a body trickled byte by
//!   byte, a client that never reads its answer).
//! * **connection cap** (`max_connections`): each accepted connection takes
//!   a semaphore permit. One accepted at the cap waits for a permit, and
//!   meanwhile nothing else is accepted: further connections wait in the
//!   kernel's accept queue until one closes (and are refused by the kernel
//!   once that queue is full). Each connection that had to wait counts one
//!   in `shiori_connection_cap_reached_total`, and a warning is logged at
//!   most once a minute.
//!
//! Every request carries the peer address as axum's `ConnectInfo`, which
//! [`crate::client_addr`] reads. On ctrl-c or SIGTERM the loops stop
//! accepting and the connections finish their requests (hyper's graceful
//! shutdown), for at most [`DRAIN`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_io_timeout::TimeoutStream;
use tower::ServiceExt;

use crate::config::Limits;
use crate::state::AppState;

/// How long shutdown waits for requests in flight.
pub(crate) const DRAIN: Duration = Duration::from_secs(30);

/// Connections served at once on the `/metrics` listener.
pub(crate) const METRICS_CONNECTIONS: usize = 16;

/// One listener's accept loop and its bounds.
pub(crate) struct Listener {
    /// Where to accept.
    pub(crate) listener: TcpListener,
    /// What to serve.
    pub(crate) router: Router,
    /// Timeouts and the connection cap.
    pub(crate) limits: Limits,
    /// Counts cap hits in its metrics when given.
    pub(crate) state: Option<AppState>,
    /// Its name in log lines (`public`, `metrics`).
    pub(crate) name: &'static str,
}

/// Run the accept loop until `stop` turns true, then drain the connections.
pub(crate) async fn run(l: Listener, mut stop: watch::Receiver<bool>) {
    let Listener {
        listener,
        router,
        limits,
        state,
        name,
    } = l;
    tracing::info!(listener = name, addr = ?listener.local_addr().ok(), "shiori-server listening");
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut last_warning: Option<Instant> = None;
    let mut capped_since_warning = 0u64;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and the like: say so, and let the sockets drain.
                    tracing::error!(listener = name, "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // At the cap: this connection waits for a slot, and no other
                // is accepted meanwhile (they wait in the kernel's queue).
                capped_since_warning += 1;
                if let Some(s) = &state {
                    s.inner().metrics.connection_cap_reached();
                }
                if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    tracing::warn!(
                        listener = name,
                        max_connections = limits.max_connections,
                        waited = capped_since_warning,
                        "connection cap reached: new connections wait until one closes"
                    );
                    last_warning = Some(Instant::now());
                    capped_since_warning = 0;
                }
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        spawn_connection(stream, peer, router.clone(), &limits, &graceful, permit);
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            listener = name,
            "requests still running after {DRAIN:?}: dropped"
        );
    }
}

/// Serve one HTTP/1 connection with the timeouts of `limits`, holding its
/// connection slot until it closes.
fn spawn_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: &Limits,
    graceful: &GracefulShutdown,
    permit: OwnedSemaphorePermit,
) {
    let idle = Some(Duration::from_secs(limits.idle_timeout_secs));
    let mut io = TimeoutStream::new(stream);
    io.set_read_timeout(idle);
    io.set_write_timeout(idle);
    let io = TokioIo::new(Box::pin(io));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Some(Duration::from_secs(limits.header_read_timeout_secs)))
        .keep_alive(true);
    let conn = graceful.watch(builder.serve_connection(io, service));
    tokio::spawn(async move {
        let _permit = permit;
        if let Err(e) = conn.await {
            tracing::debug!(%peer, "connection ended: {e}");
        }
    });
}

/// Until `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// A watch channel that turns true on ctrl-c or SIGTERM.
pub(crate) fn stop_on_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        let _ = tx.send(true);
    });
    rx
}
