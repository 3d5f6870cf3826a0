//! One log line per request, for operators: method, route template, status,
//! latency and request id (target `shiori::request`, level INFO).
//!
//! The route is axum's `MatchedPath` (`/api/v1/me/holds/{id}`), never the
//! raw path, which can hold card numbers (`/staff/patrons/0290…`); the query
//! string, headers (tokens, cookies) and bodies are never logged. A request
//! that matched no route is logged as `unmatched`. The request id is the
//! `x-request-id` the client sent or the one generated for it (answered in
//! the response either way), so a client's report can be found in the log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// Longest request id logged as given; a longer one is cut.
const MAX_ID: usize = 64;

/// The middleware (install with `axum::middleware::from_fn`), inside the
/// layer that sets `x-request-id`.
pub(crate) async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let id = request_id(&req);
    let response = next.run(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "shiori::request",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = format_args!("{latency_ms:.1}"),
        request_id = %id,
        "request"
    );
    response
}

/// The request id, limited to visible ASCII without spaces or quotes and
/// [`MAX_ID`] characters (it comes from the client).
fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.chars()
                .filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\'))
                .take(MAX_ID)
                .collect()
        })
        .unwrap_or_else(|| "-".to_owned())
}
