//! `/api/v1/branches` and `/api/v1/titles…`: the catalogue, open to anyone
//! (no token: searching reveals nothing about patrons).

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use shiori_core::api::{BranchList, SearchResults, TitleDetails};

use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::catalogue::{self, SearchQuery};

/// Longest accepted query text, in characters.
const MAX_QUERY: usize = 200;
/// Largest page.
const MAX_PER_PAGE: u32 = 100;
const DEFAULT_PER_PAGE: u32 = 20;
/// Deepest page (paging past it is refused, not slow).
const MAX_PAGE: u32 = 10_000;

/// `GET /branches`.
pub(crate) async fn branches(
    State(state): State<AppState>,
) -> Result<Json<BranchList>, ApiErrorResponse> {
    Ok(Json(BranchList {
        branches: catalogue::branches(state.db().pool()).await?,
    }))
}

fn bad(code: &str, message: &str) -> ApiErrorResponse {
    ApiErrorResponse::bad_request(code, message)
}

fn parse_query(raw: Option<&str>) -> Result<SearchQuery, ApiErrorResponse> {
    let mut q = SearchQuery {
        page: 1,
        per_page: DEFAULT_PER_PAGE,
        ..SearchQuery::default()
    };
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "q" => {
                if value.chars().count() > MAX_QUERY || value.chars().any(char::is_control) {
                    return Err(bad(
                        "invalid_query",
                        "q is longer than 200 characters or has control characters",
                    ));
                }
                q.q = value.into_owned();
            }
            "branch" if !value.is_empty() => q.branch = Some(value.into_owned()),
            "branch" => {}
            "available" => {
                q.available_only = match value.as_ref() {
                    "true" | "1" => true,
                    "false" | "0" | "" => false,
                    _ => return Err(bad("invalid_query", "available must be true or false")),
                }
            }
            "page" => {
                q.page = value
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE).contains(p))
                    .ok_or_else(|| bad("invalid_query", "page must be 1 to 10000"))?;
            }
            "per_page" => {
                q.per_page = value
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                    .ok_or_else(|| bad("invalid_query", "per_page must be 1 to 100"))?;
            }
            _ => {
                return Err(bad(
                    "invalid_query",
                    "unknown parameter; use q, branch, available, page, per_page",
                ))
            }
        }
    }
    Ok(q)
}

/// `GET /titles?q=&branch=&available=&page=&per_page=`.
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiErrorResponse> {
    let query = parse_query(raw.as_deref())?;
    if let Some(b) = &query.branch {
        if catalogue::branch(state.db().pool(), b).await?.is_none() {
            return Err(ApiErrorResponse::unprocessable(
                "unknown_branch",
                format!("there is no branch {b:?}"),
            ));
        }
    }
    let (total, total_capped, titles) = catalogue::search(state.db().pool(), &query).await?;
    Ok(Json(SearchResults {
        total,
        total_capped,
        page: query.page,
        per_page: query.per_page,
        titles,
    }))
}

/// `GET /titles/{id}`.
pub(crate) async fn title(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TitleDetails>, ApiErrorResponse> {
    let not_found = || {
        ApiErrorResponse::new(
            axum::http::StatusCode::NOT_FOUND,
            "title_not_found",
            "no such title",
        )
    };
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let (summary, subjects) = catalogue::title(state.db().pool(), id)
        .await?
        .ok_or_else(not_found)?;
    let items = catalogue::items_of(state.db().pool(), id).await?;
    Ok(Json(TitleDetails {
        summary,
        subjects,
        items,
    }))
}
