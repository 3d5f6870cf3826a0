//! `POST /api/v1/challenges`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shiori_core::api::{Challenge, ChallengeRequest};

use super::extract::ApiJson;
use crate::error::ApiErrorResponse;
use crate::state::AppState;

/// Issue a single-use challenge (201).
pub(crate) async fn create(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), ApiErrorResponse> {
    let challenge = crate::flows::create_challenge(&state, req).await?;
    Ok((StatusCode::CREATED, Json(challenge)))
}
