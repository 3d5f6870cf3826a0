//! `POST /api/v1/challenges`: rate-limited per client address
//! (`limits.challenges_per_minute`, 429 `rate_limited` with `Retry-After`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shiori_core::api::{Challenge, ChallengeRequest};

use super::extract::ApiJson;
use crate::client_addr::ClientAddr;
use crate::error::ApiErrorResponse;
use crate::metrics::Limited;
use crate::state::AppState;

/// Issue a single-use challenge (201).
pub(crate) async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), ApiErrorResponse> {
    if let Err(refused) = state.inner().challenge_limiter.check(client) {
        state.inner().metrics.rate_limited(Limited::Challenges);
        return Err(refused.into());
    }
    let challenge = crate::flows::create_challenge(&state, req).await?;
    Ok((StatusCode::CREATED, Json(challenge)))
}
