//! The router: one module per resource (the staff console's HTML pages
//! are nested from `crate::staff`), the layers every request passes
//! (request id, one log line, an oversized `Content-Length` answered 413
//! before anything waits for the body, timeout, 64 KiB body limit) and a
//! JSON 404. `/metrics` is on the public router only behind
//! `metrics_token`; [`metrics_router`] serves it on `metrics_listen`.

mod catalogue;
mod challenges;
mod extract;
mod holds;
mod loans;
mod me;
mod ops;
mod registrations;
mod sessions;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiErrorResponse;
use crate::state::AppState;

/// Largest accepted request body: certificates are under 2 KiB each.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;
/// Requests taking longer are answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application.
pub(crate) fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/challenges", post(challenges::create))
        .route("/registrations", post(registrations::create))
        .route("/sessions", post(sessions::create))
        .route("/sessions/current", delete(sessions::delete_current))
        .route("/me", get(me::get_me).delete(me::delete_me))
        .route("/me/card", get(me::card))
        .route("/me/card.svg", get(me::card_svg))
        .route("/me/card.png", get(me::card_png))
        .route("/me/card-qr.svg", get(me::card_qr_svg))
        .route("/me/card-qr.png", get(me::card_qr_png))
        .route("/me/export", get(me::export))
        .route("/me/holds", post(holds::place).get(holds::list))
        .route("/me/holds/{id}", delete(holds::cancel))
        .route(
            "/me/holds/{id}/suspension",
            axum::routing::put(holds::suspend).delete(holds::resume),
        )
        .route("/me/loans", get(loans::list))
        .route("/me/loans/{id}/renewal", post(loans::renew))
        .route("/me/history", get(loans::history).put(loans::set_history))
        .route("/branches", get(catalogue::branches))
        .route("/titles", get(catalogue::search))
        .route("/titles/{id}", get(catalogue::title))
        .route("/openapi.yaml", get(ops::openapi))
        .method_not_allowed_fallback(method_not_allowed);
    let mut app = Router::new()
        .nest("/api/v1", api)
        .nest("/staff", crate::staff::router(state.clone()))
        .route("/health", get(ops::health));
    if state.config().metrics_token.is_some() {
        app = app.route("/metrics", get(ops::metrics_with_token));
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(refuse_oversized_body))
        .layer(axum::middleware::from_fn(crate::request_log::log_request))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The router of the `metrics_listen` listener: `/metrics` only.
pub(crate) fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
}

/// A request whose `Content-Length` is over [`BODY_LIMIT`] is answered 413
/// at once. Without this, [`DefaultBodyLimit`] acts only while a handler
/// reads the body: a client announcing 10 MB and sending nothing held the
/// request until the 30 s timeout and got 408.
async fn refuse_oversized_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let too_long = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > BODY_LIMIT as u64);
    if too_long {
        return axum::response::IntoResponse::into_response(ApiErrorResponse::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is over 64 KiB",
        ));
    }
    next.run(req).await
}

async fn method_not_allowed() -> ApiErrorResponse {
    ApiErrorResponse::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that HTTP method",
    )
}

async fn not_found() -> ApiErrorResponse {
    ApiErrorResponse::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}
