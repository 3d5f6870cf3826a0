//! `/api/v1/me/loans…` and `/api/v1/me/history`: a patron's loans, renewals,
//! and the opt-in reading history (off by default; turning it off deletes it).

use axum::extract::{Path, State};
use axum::Json;
use shiori_core::api::{HistoryEntry, HistorySetting, Loan, LoanList, ReadingHistory};

use super::extract::{ApiJson, CurrentPatron};
use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::loans;

/// `GET /me/loans`.
pub(crate) async fn list(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<LoanList>, ApiErrorResponse> {
    Ok(Json(LoanList {
        loans: crate::circulation::loans_of(&state, &current.patron_id).await?,
    }))
}

/// `POST /me/loans/{id}/renewal`.
pub(crate) async fn renew(
    State(state): State<AppState>,
    current: CurrentPatron,
    Path(id): Path<String>,
) -> Result<Json<Loan>, ApiErrorResponse> {
    Ok(Json(
        crate::circulation::renew(&state, &current.patron_id, &id).await?,
    ))
}

async fn history_of(state: &AppState, patron_id: &str) -> Result<ReadingHistory, ApiErrorResponse> {
    let pool = state.db().pool();
    let enabled = loans::keeps_history(pool, patron_id).await?;
    let entries = if enabled {
        loans::history(pool, patron_id)
            .await?
            .into_iter()
            .map(|(title_id, title, returned_on)| HistoryEntry {
                title_id,
                title,
                returned_on,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReadingHistory { enabled, entries })
}

/// `GET /me/history`.
pub(crate) async fn history(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<ReadingHistory>, ApiErrorResponse> {
    Ok(Json(history_of(&state, &current.patron_id).await?))
}

/// `PUT /me/history`.
pub(crate) async fn set_history(
    State(state): State<AppState>,
    current: CurrentPatron,
    ApiJson(req): ApiJson<HistorySetting>,
) -> Result<Json<ReadingHistory>, ApiErrorResponse> {
    let mut tx = crate::store::begin_write(state.db()).await?;
    loans::set_keep_history(&mut tx, &current.patron_id, req.enabled).await?;
    tx.commit().await?;
    Ok(Json(history_of(&state, &current.patron_id).await?))
}
