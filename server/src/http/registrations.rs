//! `POST /api/v1/registrations`: 201 for a new patron, 200 for a
//! re-registration (see `docs/api.md` for the matching rule).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shiori_core::api::{RegistrationRequest, SessionResponse};

use super::extract::ApiJson;
use crate::error::ApiErrorResponse;
use crate::state::AppState;

/// Verify a registration proof and create or update the patron.
pub(crate) async fn create(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegistrationRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiErrorResponse> {
    let response = crate::flows::register(&state, req).await?;
    let status = if response.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(response)))
}
