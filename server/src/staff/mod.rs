//! The staff console: server-rendered HTML under `/staff` for the library
//! desk, Japanese first (`?lang=en` switches to English and a cookie
//! remembers it). No page needs JavaScript; every action is a link or a
//! form that works with the keyboard alone.
//!
//! * [`auth`] — accounts (Argon2id), login with lockout, database sessions.
//! * `csrf` — the synchronizer token every form carries.
//! * `pages` — the handlers and their askama templates
//!   (`templates/*.html`, HTML-escaped by default), one module per page.
//! * [`i18n`] — the words in both languages.
//!
//! Every `/staff` answer carries a strict Content-Security-Policy (no
//! script at all), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`
//! and `Cache-Control: no-store`. `docs/staff-console.md` describes the
//! pages and the security model.

pub mod auth;
pub(crate) mod csrf;
pub mod i18n;
mod pages;

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use zeroize::Zeroize;

pub use auth::{add_staff, reset_password, AccountError, Password, Role};
pub use i18n::Lang;

use crate::state::AppState;
use auth::{SessionToken, StaffSession};

/// The session cookie (path `/staff`).
pub(crate) const SESSION_COOKIE: &str = "shiori_staff";
/// The pre-session cookie whose CSRF token protects the login form.
pub(crate) const PRE_SESSION_COOKIE: &str = "shiori_staff_pre";
/// The language cookie.
pub(crate) const LANG_COOKIE: &str = "shiori_staff_lang";

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The console's routes, to be nested under `/staff`.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    auth::warm_up();
    Router::new()
        .route("/", get(pages::root))
        .route(
            "/login",
            get(pages::login::login_page).post(pages::login::login_submit),
        )
        .route("/logout", post(pages::login::logout))
        .route("/desk", get(pages::desk::desk).post(pages::desk::desk_scan))
        .route("/desk/checkout", post(pages::desk::desk_checkout))
        .route("/desk/return", post(pages::desk::desk_return))
        .route("/shelf", get(pages::shelf::shelf))
        .route("/pick-list", get(pages::pick_list::pick_list))
        .route(
            "/sweep",
            get(pages::sweep::sweep_page).post(pages::sweep::sweep_run),
        )
        .route("/audit", get(pages::audit::audit))
        .route(
            "/accounts",
            get(pages::accounts::accounts).post(pages::accounts::accounts_create),
        )
        .route("/accounts/password", post(pages::accounts::accounts_reset))
        .route("/static/staff.css", get(pages::stylesheet))
        .route("/static/favicon.svg", get(pages::favicon))
        .layer(axum::middleware::from_fn_with_state(state, headers))
}

/// Security headers on every console answer, and the language cookie when
/// `?lang=` chose a language.
async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let chosen = query_param(req.uri().query(), "lang").and_then(|l| Lang::parse(&l));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if let Some(lang) = chosen {
        let cookie = cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600));
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A `Set-Cookie` value: path `/staff`, HttpOnly, SameSite=Strict, Secure
/// when the public origin is https; without `max_age` a browser-session
/// cookie.
pub(crate) fn cookie(state: &AppState, name: &str, value: &str, max_age: Option<u64>) -> String {
    let secure = if state.config().public_origin.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/staff; HttpOnly; SameSite=Strict{secure}{age}")
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The first value of `name` in a query string.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Why a console request was not served. Each has a stable code; the page
/// shown is in both languages (the error can come before the language is
/// known).
#[derive(Debug, thiserror::Error)]
pub(crate) enum StaffError {
    /// No live session: answered with a redirect to the login page.
    #[error("login required")]
    LoginRequired,
    /// The session's role may not do this.
    #[error("not allowed for this role")]
    Forbidden,
    /// A POST without the right CSRF token, or from another origin.
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// Something failed inside (logged).
    #[error("internal error")]
    Internal,
}

impl StaffError {
    /// The stable code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            StaffError::LoginRequired => "login_required",
            StaffError::Forbidden => "forbidden",
            StaffError::Csrf => "csrf_rejected",
            StaffError::Internal => "internal",
        }
    }
}

impl From<sqlx::Error> for StaffError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!("staff console: database: {e}");
        StaffError::Internal
    }
}

impl From<askama::Error> for StaffError {
    fn from(e: askama::Error) -> Self {
        tracing::error!("staff console: template: {e}");
        StaffError::Internal
    }
}

impl From<crate::ApiErrorResponse> for StaffError {
    fn from(e: crate::ApiErrorResponse) -> Self {
        tracing::error!("staff console: {} {}", e.code(), e.body.message);
        StaffError::Internal
    }
}

impl IntoResponse for StaffError {
    fn into_response(self) -> Response {
        let (status, ja, en) = match self {
            StaffError::LoginRequired => return Redirect::to("/staff/login").into_response(),
            StaffError::Forbidden => (
                StatusCode::FORBIDDEN,
                "この操作は管理者だけができます。",
                "Only an administrator can do this.",
            ),
            StaffError::Csrf => (
                StatusCode::FORBIDDEN,
                "フォームの確認に失敗したため、何も変更していません。ページを開き直してからもう一度操作してください。",
                "The form could not be verified, so nothing was changed. Open the page again and retry.",
            ),
            StaffError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "内部エラーが発生しました。",
                "Internal error.",
            ),
        };
        pages::error_page(status, self.code(), ja, en)
    }
}

impl FromRequestParts<AppState> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(query_param(parts.uri.query(), "lang")
            .and_then(|l| Lang::parse(&l))
            .or_else(|| cookie_value(&parts.headers, LANG_COOKIE).and_then(|l| Lang::parse(&l)))
            .unwrap_or_default())
    }
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = StaffError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token =
            cookie_value(&parts.headers, SESSION_COOKIE).ok_or(StaffError::LoginRequired)?;
        auth::session(state, SessionToken::from_cookie(&token))
            .await?
            .ok_or(StaffError::LoginRequired)
    }
}

/// The fields of a posted form (`application/x-www-form-urlencoded`);
/// values are zeroized when dropped (some are passwords).
pub(crate) struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub(crate) fn parse(body: &[u8]) -> Self {
        FormFields(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    /// The first value of `name`, untrimmed, taken out as a password.
    pub(crate) fn take_password(&mut self, name: &str) -> Password {
        let value = self
            .0
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| std::mem::take(v))
            .unwrap_or_default();
        Password::new(value)
    }
}

impl Drop for FormFields {
    fn drop(&mut self) {
        for (_, v) in &mut self.0 {
            v.zeroize();
        }
    }
}

/// Whether the browser's own provenance headers, when sent, say the
/// request comes from our pages: an `Origin` other than `public_origin` or a
/// `Sec-Fetch-Site` of `cross-site`/`same-site` is refused. `Origin: null`
/// is what browsers send on a form POST under `Referrer-Policy: no-referrer`
/// (the Fetch standard's origin serialization), so it proves nothing either
/// way and the CSRF token decides.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let ours = state
        .config()
        .public_origin
        .trim_end_matches('/')
        .as_bytes();
    let origin_ok = match headers.get(header::ORIGIN) {
        None => true,
        Some(o) => o.as_bytes() == b"null" || o.as_bytes() == ours,
    };
    let site_ok = !headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site" || v.as_bytes() == b"same-site");
    origin_ok && site_ok
}

/// A POST from a logged-in session whose CSRF token was right: the only
/// way a handler gets a form. Without a session the answer is the login
/// page; with a missing or wrong token (or a foreign `Origin`) it is 403 and
/// the handler never runs.
pub(crate) struct Posted {
    pub(crate) session: StaffSession,
    pub(crate) fields: FormFields,
}

impl FromRequest<AppState> for Posted {
    type Rejection = StaffError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = StaffSession::from_request_parts(&mut parts, state).await?;
        if !same_origin(state, &parts.headers) {
            return Err(StaffError::Csrf);
        }
        let req = Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| StaffError::Csrf)?;
        let fields = FormFields::parse(&bytes);
        if !csrf::verify(session.token.as_str(), fields.get(csrf::FIELD)) {
            tracing::warn!(username = %session.username, "staff POST refused: CSRF token missing or wrong");
            return Err(StaffError::Csrf);
        }
        Ok(Posted { session, fields })
    }
}

/// The login form's POST: checked against the pre-session cookie.
pub(crate) struct LoginPost {
    pub(crate) fields: FormFields,
}

impl FromRequest<AppState> for LoginPost {
    type Rejection = StaffError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let pre = cookie_value(req.headers(), PRE_SESSION_COOKIE).ok_or(StaffError::Csrf)?;
        if !same_origin(state, req.headers()) {
            return Err(StaffError::Csrf);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| StaffError::Csrf)?;
        let fields = FormFields::parse(&bytes);
        if !csrf::verify(&pre, fields.get(csrf::FIELD)) {
            return Err(StaffError::Csrf);
        }
        Ok(LoginPost { fields })
    }
}
