//! # shiori-server
//!
//! Where trust is decided: the HTTP API (`/api/v1`) on SQLite or PostgreSQL,
//! and under it
//! the JPKI verification.
//!
//! * [`verify`] — JPKI-profile path validation of signing and auth certificates
//!   against configured trust anchors (issuer chosen by key identifier and
//!   signature, because J-LIS root generations share one DN), with validity at
//!   a given time, key usage, critical extensions, policy OID per purpose, and
//!   revocation behind the [`verify::RevocationChecker`] trait (CRL files
//!   implemented).
//! * [`config`] — [`Config`]: where to listen, the public origin, the database,
//!   trust anchors, policy, CRLs, the library card number scheme, lifetimes.
//! * [`build_app`] / [`serve`] — the axum router and the server loop; the
//!   routes are in `http/`, one module per resource, the SQL in `store/`.
//! * [`notify`] — notices to patrons by email through an outbox table and
//!   an SMTP sender that [`serve`] runs in the background.
//! * [`clock`] — time is a parameter: [`Clock`], [`SystemClock`],
//!   [`ManualClock`] for tests.
//! * [`error`] — [`ApiErrorResponse`]: every failure becomes a status and a
//!   JSON `shiori_core::api::ApiError` with a stable code.
//! * [`staff`] — the staff console: server-rendered HTML under `/staff`
//!   (login, desk, hold shelf, pick list, expiry sweep, audit log).
//!
//! The JSON bodies are `shiori_core::api`; `docs/api.md` describes the API
//! and `docs/openapi.yaml` (served at `/api/v1/openapi.yaml`) specifies it.
#![deny(missing_docs)]

pub mod circulation;
mod client_addr;
pub mod clock;
pub mod config;
pub mod error;
mod flows;
pub mod holds;
mod http;
pub mod import;
mod metrics;
pub mod notify;
mod request_log;
mod serve;
pub mod staff;
mod state;
mod store;
pub mod testing;
mod throttle;
mod time_fmt;
pub mod verify;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Backend, Config, Database, Limits, MetricsToken, NoticeRules, OcspConfig, PolicyConfig,
    SmtpConfig, SmtpPassword, SmtpTls, SqliteSynchronous, StaffConfig, StartError,
    TrustAnchorFiles,
};
pub use error::ApiErrorResponse;
pub use state::AppState;
pub use store::Db;

/// Open the database (SQLite in WAL mode, or PostgreSQL), run the embedded migrations, load the trust
/// anchors and CRLs and build the router, reading time from the system clock.
pub async fn build_app(config: Config) -> Result<(axum::Router, AppState), StartError> {
    build_app_with_clock(config, Arc::new(SystemClock)).await
}

/// [`build_app`] with an injected clock (tests pin time with [`ManualClock`]).
pub async fn build_app_with_clock(
    config: Config,
    clock: Arc<dyn Clock>,
) -> Result<(axum::Router, AppState), StartError> {
    let state = AppState::new(config, clock).await?;
    Ok((http::router(state.clone()), state))
}

/// Serve the API on `listener` until ctrl-c (SIGINT) or SIGTERM, then finish
/// the requests in flight and return. Notices are mailed in the background
/// (see [`serve_app_with_state`]).
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<(), StartError> {
    let (router, state) = build_app(config).await?;
    serve_app_with_state(listener, router, &state).await
}

/// Serve a router from [`build_app`] like [`serve_app`], with the
/// [`Limits`] of the state's configuration, `/metrics` on
/// `metrics_listen` when configured, and run the background work of its
/// [`AppState`] meanwhile: the notice sender ([`notify`]) when `[smtp]` is
/// configured (password from `SHIORI_SMTP_PASSWORD`); without it a warning
/// says that notices stay in the outbox. The sender stops after the server
/// has.
pub async fn serve_app_with_state(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    state: &AppState,
) -> Result<(), StartError> {
    let metrics = match state.config().metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(StartError::Io)?,
        ),
        None => None,
    };
    serve_app_with_listeners(listener, metrics, router, state).await
}

/// [`serve_app_with_state`] with the `/metrics` listener already bound
/// (tests bind port 0). `metrics` serves only `/metrics`, unauthenticated:
/// bind it where only the monitoring can reach it.
pub async fn serve_app_with_listeners(
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    router: axum::Router,
    state: &AppState,
) -> Result<(), StartError> {
    let sender = notify::start_configured(state)?;
    let sweeper = start_sweeper(state);
    let stop = serve::stop_on_signal();
    let limits = state.config().limits;
    log_where_metrics_are(state.config(), metrics.as_ref());
    let public = serve::run(
        serve::Listener {
            listener,
            router,
            limits,
            state: Some(state.clone()),
            name: "public",
        },
        stop.clone(),
    );
    let metrics = async {
        if let Some(listener) = metrics {
            let limits = Limits {
                max_connections: serve::METRICS_CONNECTIONS,
                ..limits
            };
            serve::run(
                serve::Listener {
                    listener,
                    router: http::metrics_router(state.clone()),
                    limits,
                    state: None,
                    name: "metrics",
                },
                stop.clone(),
            )
            .await;
        }
    };
    tokio::join!(public, metrics);
    sweeper.abort();
    if let Some(sender) = sender {
        sender.stop().await;
    }
    Ok(())
}

fn log_where_metrics_are(config: &Config, metrics: Option<&tokio::net::TcpListener>) {
    if let Some(l) = metrics {
        tracing::info!(addr = ?l.local_addr().ok(), "/metrics served on its own listener");
    }
    if config.metrics_token.is_some() {
        tracing::info!("/metrics served on the public listener to its bearer token");
    } else if metrics.is_none() {
        tracing::warn!(
            "/metrics is not served: set metrics_listen or metrics_token (SHIORI_METRICS_TOKEN)"
        );
    }
}

/// The periodic hold sweep (`holds.sweep_interval_secs`, default 300 s;
/// the first runs at once): expire uncollected holds, pass their copies on,
/// queue "deadline soon" notices, purge closed holds. Safe on several
/// instances at once: each sweep is one serialized write transaction.
/// [`serve_app_with_state`] runs it; abort the handle to stop it.
pub fn start_sweeper(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let every = std::time::Duration::from_secs(state.config().holds.sweep_interval_secs.max(10));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match holds::sweep(&state).await {
                Ok(s) if !s.expired.is_empty() || s.purged > 0 => {
                    tracing::info!(expired = s.expired.len(), purged = s.purged, "hold sweep")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(code = %e.body.code, "hold sweep failed: {}", e.body.message)
                }
            }
        }
    })
}

/// Serve a router from [`build_app`] on `listener` until ctrl-c or SIGTERM
/// with the default [`Limits`] (for embedders that use the [`AppState`]
/// too). Runs no background work and no `/metrics` listener: notices stay
/// in the outbox (use [`serve_app_with_state`] to mail them).
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> Result<(), StartError> {
    let l = serve::Listener {
        listener,
        router,
        limits: Limits::default(),
        state: None,
        name: "public",
    };
    serve::run(l, serve::stop_on_signal()).await;
    Ok(())
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for ctrl-c: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
