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
pub mod clock;
pub mod config;
pub mod error;
mod flows;
pub mod holds;
mod http;
pub mod import;
mod metrics;
pub mod staff;
mod state;
mod store;
pub mod testing;
mod time_fmt;
pub mod verify;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Backend, Config, Database, OcspConfig, PolicyConfig, StaffConfig, StartError, TrustAnchorFiles,
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
/// the requests in flight and return.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<(), StartError> {
    let (router, _state) = build_app(config).await?;
    serve_app(listener, router).await
}

/// Serve a router from [`build_app`] on `listener` until ctrl-c or SIGTERM
/// (for embedders that use the [`AppState`] too, like `shiori demo`).
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> Result<(), StartError> {
    tracing::info!(addr = ?listener.local_addr().ok(), "shiori-server listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartError::Io)
}

async fn shutdown_signal() {
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
