//! `/api/v1/me/holds…`: a patron's reservations. Another patron's hold id
//! answers 404, like one that does not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use shiori_core::api::{Hold, HoldList, HoldRequest, SuspendRequest};

use super::extract::{ApiJson, CurrentPatron};
use crate::error::ApiErrorResponse;
use crate::state::AppState;

/// `POST /me/holds` → 201.
pub(crate) async fn place(
    State(state): State<AppState>,
    current: CurrentPatron,
    ApiJson(req): ApiJson<HoldRequest>,
) -> Result<(StatusCode, Json<Hold>), ApiErrorResponse> {
    let hold = crate::holds::place(&state, &current.patron_id, &req).await?;
    Ok((StatusCode::CREATED, Json(hold)))
}

/// `GET /me/holds`.
pub(crate) async fn list(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<HoldList>, ApiErrorResponse> {
    Ok(Json(HoldList {
        holds: crate::holds::list(&state, &current.patron_id).await?,
    }))
}

/// `DELETE /me/holds/{id}`: cancel.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    current: CurrentPatron,
    Path(id): Path<String>,
) -> Result<Json<Hold>, ApiErrorResponse> {
    Ok(Json(
        crate::holds::cancel(&state, &current.patron_id, &id).await?,
    ))
}

/// `PUT /me/holds/{id}/suspension`.
pub(crate) async fn suspend(
    State(state): State<AppState>,
    current: CurrentPatron,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SuspendRequest>,
) -> Result<Json<Hold>, ApiErrorResponse> {
    Ok(Json(
        crate::holds::suspend(&state, &current.patron_id, &id, Some(&req.until)).await?,
    ))
}

/// `DELETE /me/holds/{id}/suspension`: resume.
pub(crate) async fn resume(
    State(state): State<AppState>,
    current: CurrentPatron,
    Path(id): Path<String>,
) -> Result<Json<Hold>, ApiErrorResponse> {
    Ok(Json(
        crate::holds::suspend(&state, &current.patron_id, &id, None).await?,
    ))
}
