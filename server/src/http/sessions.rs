//! `POST /api/v1/sessions` (log in with the auth key) and
//! `DELETE /api/v1/sessions/current` (log this token out).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shiori_core::api::{LoginRequest, SessionResponse};

use super::extract::{ApiJson, CurrentPatron};
use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::sessions;

/// Verify a login proof and open a session (200).
pub(crate) async fn create(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiErrorResponse> {
    let response = crate::flows::login(&state, req).await?;
    Ok((StatusCode::OK, Json(response)))
}

/// Delete the session the request authenticated with (204).
pub(crate) async fn delete_current(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<StatusCode, ApiErrorResponse> {
    sessions::delete(state.db().pool(), &current.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
