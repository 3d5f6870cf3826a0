//! Operations endpoints: `/health`, `/metrics` (Prometheus text) and the
//! OpenAPI document at `/api/v1/openapi.yaml`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use crate::state::AppState;

/// The hand-written OpenAPI 3.1 document (`docs/openapi.yaml`).
const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");

/// `GET /health`: 200 `ok` when the database answers, 503 otherwise.
pub(crate) async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(state.db().pool()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!("health check: database: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// `GET /metrics` on the public listener: only with
/// `Authorization: Bearer <metrics_token>`, else 401.
pub(crate) async fn metrics_with_token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let allowed = state.config().metrics_token.as_ref().is_some_and(|t| {
        headers
            .get(header::AUTHORIZATION)
            .is_some_and(|v| t.matches_header(v.as_bytes()))
    });
    if !allowed {
        return crate::ApiErrorResponse::unauthorized().into_response();
    }
    metrics(State(state)).await.into_response()
}

/// `GET /metrics`: the counters, and the outbox gauges from the database
/// (left out, with an error logged, if the database does not answer).
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let undelivered = match crate::notify::undelivered(&state).await {
        Ok(counts) => Some(counts),
        Err(e) => {
            tracing::error!("metrics: counting undelivered notices: {e}");
            None
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.inner().metrics.render(undelivered, state.now()),
    )
}

/// `GET /api/v1/openapi.yaml`.
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI)
}
