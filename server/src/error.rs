//! The one error type of the HTTP layer: [`ApiErrorResponse`] is a status and
//! a `shiori_core::api::ApiError` body with a stable `code`. Verification
//! failures keep the code of the check that failed (`VerifyError::code`,
//! `ProofError::code`). Internal failures are logged and answered with a
//! generic 500 that reveals nothing.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shiori_core::api::ApiError;
use shiori_core::proof::ProofError;

use crate::verify::VerifyError;

/// An error answer: HTTP status plus JSON `{code, message, message_ja?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ApiError,
    /// Seconds to send as `Retry-After` (429 and 503 answers).
    pub retry_after: Option<u64>,
}

impl ApiErrorResponse {
    /// An error with `status`, stable `code` and an English `message`; the
    /// Japanese message is filled in for the codes residents commonly see.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                code: code.to_owned(),
                message: message.into(),
                message_ja: message_ja(code).map(str::to_owned),
            },
            retry_after: None,
        }
    }

    /// The same answer with `Retry-After: secs` (at least 1).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// 400 with `code`.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422: the input was well-formed but failed verification.
    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    }

    /// 500 `internal`: logs `what` and answers without details.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error",
        )
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.body.code
    }
}

impl IntoResponse for ApiErrorResponse {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let retry_after = self.retry_after;
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<VerifyError> for ApiErrorResponse {
    fn from(e: VerifyError) -> Self {
        Self::unprocessable(e.code(), e.to_string())
    }
}

impl From<ProofError> for ApiErrorResponse {
    fn from(e: ProofError) -> Self {
        Self::unprocessable(e.code(), e.to_string())
    }
}

impl From<sqlx::Error> for ApiErrorResponse {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format_args!("database: {e}"))
    }
}

impl From<crate::store::DbError> for ApiErrorResponse {
    fn from(e: crate::store::DbError) -> Self {
        Self::internal(format_args!("database: {e}"))
    }
}

/// Japanese messages for the codes a resident is likely to see.
fn message_ja(code: &str) -> Option<&'static str> {
    Some(match code {
        "unauthorized" => "ログインが必要です。",
        "challenge_expired" => "有効期限が切れました。もう一度お試しください。",
        "challenge_reused" => "この確認はすでに使われています。もう一度お試しください。",
        "unknown_challenge" => "確認が見つかりません。もう一度お試しください。",
        "expired" => "電子証明書の有効期限が切れています。",
        "not_yet_valid" => "電子証明書はまだ有効ではありません。",
        "revoked" => "電子証明書は失効しています。",
        "unknown_issuer" => "この電子証明書は信頼できる発行元のものではありません。",
        "unknown_patron" => {
            "このカードで登録された利用者が見つかりません。先に利用登録をしてください。"
        }
        "invalid_email" => "メールアドレスが正しくありません。",
        "bad_signature" => "署名を確認できませんでした。",
        "bad_auth_signature" | "auth_certificate_mismatch" | "signing_certificate_mismatch" => {
            "2つの電子証明書が同じカードのものであることを確認できませんでした。同じカードでもう一度お試しください。"
        }
        "auth_signature_missing" | "outdated_registration_proof" => {
            "アプリを最新版に更新してから、もう一度登録してください（署名用パスワードと暗証番号の両方が必要です）。"
        }
        "auth_link_unproven" => {
            "このカードでもう一度利用登録をしてください（署名用パスワードと利用者証明用の暗証番号の両方が必要です）。登録内容と利用者カードはそのまま引き継がれます。"
        }
        "hold_exists" => "この資料はすでに予約しています。",
        "hold_limit_reached" => "予約できる件数の上限に達しています。",
        "hold_not_found" => "予約が見つかりません。",
        "hold_closed" => "この予約はすでに終了しています。",
        "hold_not_queued" => "順番待ちの予約だけが休止・再開できます。",
        "no_items" => "この資料には予約できる所蔵がありません。",
        "title_not_found" | "not_found" => "資料が見つかりません。",
        "unknown_branch" => "指定された館はありません。",
        "rate_limited" => {
            "短い時間に多くの操作がありました。しばらく待ってから、もう一度お試しください。"
        }
        "challenges_unavailable" => {
            "ただいま混み合っています。1分ほど待ってから、もう一度お試しください。"
        }
        "invalid_date" => "日付が正しくありません。",
        "invalid_query" => "検索語が正しくありません。",
        "loan_not_found" => "貸出が見つかりません。",
        "renewal_limit_reached" => "延長できる回数の上限に達しています。",
        "renewal_blocked_by_holds" => "ほかの方の予約があるため延長できません。",
        "loan_overdue" => "返却期限を過ぎているため延長できません。",
        _ => return None,
    })
}
