//! Extractors: [`ApiJson`] (axum's JSON with our error codes) and
//! [`CurrentPatron`] (the bearer token's patron).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiErrorResponse;
use crate::flows::token_hash;
use crate::state::AppState;
use crate::store::sessions;

/// A JSON body. Rejections become `unsupported_media_type` (415, no
/// `application/json` content type), `body_too_large` (413, over 64 KiB) or
/// `bad_json` (400, syntax, missing or unknown fields, wrong types).
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiErrorResponse;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiErrorResponse {
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiErrorResponse::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiErrorResponse::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body exceeds {} bytes", super::BODY_LIMIT),
        ),
        other => ApiErrorResponse::bad_request("bad_json", other.body_text()),
    }
}

/// The patron whose unexpired session token came in
/// `Authorization: Bearer <token>`; otherwise 401 `unauthorized`.
#[derive(Debug, Clone)]
pub(crate) struct CurrentPatron {
    pub(crate) patron_id: String,
    pub(crate) token_hash: Vec<u8>,
}

impl FromRequestParts<AppState> for CurrentPatron {
    type Rejection = ApiErrorResponse;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiErrorResponse::unauthorized)?;
        let hash = token_hash(token);
        let patron_id = sessions::patron_of(state.db().pool(), &hash, state.now())
            .await?
            .ok_or_else(ApiErrorResponse::unauthorized)?;
        Ok(CurrentPatron {
            patron_id,
            token_hash: hash,
        })
    }
}
