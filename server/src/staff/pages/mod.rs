//! The console's pages, one module per page: short handlers that call the
//! desk functions (`circulation`, `holds`) and render askama templates.
//! Every patron summary shown writes an audit row first (no row, no
//! summary). This module holds what several pages share: the header and
//! notice ([`Chrome`], [`Notice`]), rendering, the branch selector, the
//! error page, the static assets, the `/staff` redirect and the optional
//! session extractor.

pub(super) mod accounts;
pub(super) mod audit;
pub(super) mod desk;
pub(super) mod login;
pub(super) mod pick_list;
pub(super) mod shelf;
pub(super) mod sweep;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::auth::{Role, StaffSession};
use super::i18n::{error_text, Lang, Texts};
use super::{query_param, StaffError};
use crate::error::ApiErrorResponse;
use crate::holds::library_date;
use crate::state::AppState;

type PageResult = Result<Response, StaffError>;

/// Audit actions (stable strings in `staff_audit.action`).
const VIEW_PATRON: &str = "view_patron";
const CHECKOUT: &str = "checkout";
const CREATE_STAFF: &str = "create_staff";
const RESET_PASSWORD: &str = "reset_password";

/// A message at the top of a page.
struct Notice {
    /// `ok` or `error` (a CSS class; errors are `role=alert`).
    kind: &'static str,
    text: String,
}

impl Notice {
    fn ok(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            kind: "ok",
            text: text.into(),
        })
    }

    fn error(text: impl Into<String>) -> Option<Notice> {
        Some(Notice {
            kind: "error",
            text: text.into(),
        })
    }

    /// The desk's words for a domain error (its own message otherwise).
    fn from_api(lang: Lang, e: &ApiErrorResponse) -> Option<Notice> {
        Notice::error(
            error_text(lang, e.code()).map_or_else(|| e.body.message.clone(), str::to_owned),
        )
    }

    fn code(lang: Lang, code: &str) -> Option<Notice> {
        Notice::error(error_text(lang, code).unwrap_or(code))
    }
}

/// Who is logged in, as the header shows it.
struct UserView {
    username: String,
    role_label: &'static str,
    is_admin: bool,
}

/// What every page shares: language, texts, user, CSRF token, the page's
/// own path (for the language switch) and a notice.
struct Chrome {
    lang: Lang,
    other_lang: Lang,
    t: &'static Texts,
    user: Option<UserView>,
    csrf: String,
    page: &'static str,
    path: &'static str,
    notice: Option<Notice>,
}

impl Chrome {
    fn new(lang: Lang, session: &StaffSession, page: &'static str, path: &'static str) -> Self {
        let t = lang.texts();
        Chrome {
            lang,
            other_lang: lang.other(),
            t,
            user: Some(UserView {
                username: session.username.clone(),
                role_label: match session.role {
                    Role::Staff => t.role_staff,
                    Role::Admin => t.role_admin,
                },
                is_admin: session.role == Role::Admin,
            }),
            csrf: session.csrf(),
            page,
            path,
            notice: None,
        }
    }

    fn with(mut self, notice: Option<Notice>) -> Self {
        self.notice = notice;
        self
    }
}

fn render(status: StatusCode, t: &impl Template) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

fn require_admin(session: &StaffSession) -> Result<(), StaffError> {
    if session.role == Role::Admin {
        Ok(())
    } else {
        Err(StaffError::Forbidden)
    }
}

/// `2026-11-30 10:00` in JST.
fn jst_datetime(unix: i64) -> String {
    let jst = unix.saturating_add(9 * 3600);
    match time::OffsetDateTime::from_unix_timestamp(jst) {
        Ok(t) => format!("{} {:02}:{:02}", library_date(unix), t.hour(), t.minute()),
        Err(_) => unix.to_string(),
    }
}

/// A card number as printed (`029000001-5`), or the digits as stored.
fn card_display(state: &AppState, digits: &str) -> String {
    state
        .card_number_scheme()
        .parse(digits)
        .map_or_else(|_| digits.to_owned(), |n| n.human_readable())
}

fn branch_name(state: &AppState, lang: Lang, code: &str) -> String {
    state
        .config()
        .branches
        .iter()
        .find(|b| b.code == code)
        .map_or_else(
            || code.to_owned(),
            |b| match (lang, &b.name_en) {
                (Lang::En, Some(en)) => en.clone(),
                _ => b.name.clone(),
            },
        )
}

// ---------------------------------------------------------------------------
// Branch lists

/// A choice in the branch selector.
struct BranchOption {
    code: String,
    name: String,
    selected: bool,
}

/// The branch asked for (`?branch=`), or the first configured one.
fn chosen_branch(
    state: &AppState,
    lang: Lang,
    query: Option<&str>,
) -> (Option<String>, Vec<BranchOption>) {
    let branches = &state.config().branches;
    let wanted = query_param(query, "branch");
    let chosen = match wanted {
        Some(w) => branches
            .iter()
            .find(|b| b.code == w)
            .map(|b| b.code.clone()),
        None => branches.first().map(|b| b.code.clone()),
    };
    let options = branches
        .iter()
        .map(|b| BranchOption {
            code: b.code.clone(),
            name: branch_name(state, lang, &b.code),
            selected: chosen.as_deref() == Some(b.code.as_str()),
        })
        .collect();
    (chosen, options)
}

// ---------------------------------------------------------------------------
// Errors

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    code: &'a str,
    ja: &'a str,
    en: &'a str,
}

/// A bilingual error page (the language may not be known yet).
pub(super) fn error_page(status: StatusCode, code: &str, ja: &str, en: &str) -> Response {
    match (ErrorPage { code, ja, en }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("staff console: error template: {e}");
            (status, code.to_owned()).into_response()
        }
    }
}

/// `GET /staff/static/staff.css`.
pub(super) async fn stylesheet() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        include_str!("../staff.css"),
    )
        .into_response()
}

/// `GET /staff/static/favicon.svg` (a bookmark, 栞), so that browsers do
/// not ask for a missing `/favicon.ico`.
pub(super) async fn favicon() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        include_str!("../favicon.svg"),
    )
        .into_response()
}

/// `GET /staff`: the desk, or the login page.
pub(super) async fn root(session: Option<StaffSession>) -> Redirect {
    match session {
        Some(_) => Redirect::to("/staff/desk"),
        None => Redirect::to("/staff/login"),
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for StaffSession {
    type Rejection = StaffError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <StaffSession as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            parts, state,
        )
        .await
        {
            Ok(s) => Ok(Some(s)),
            Err(StaffError::LoginRequired) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
