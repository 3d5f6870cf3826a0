//! Staff accounts (`/staff/accounts`, admin only): the list, creating an
//! account and setting a new password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::{
    jst_datetime, render, require_admin, Chrome, Notice, PageResult, CREATE_STAFF, RESET_PASSWORD,
};
use crate::staff::auth::{self, Role, StaffSession};
use crate::staff::i18n::Lang;
use crate::staff::{Posted, StaffError};
use crate::state::AppState;
use crate::store::staff as db;

/// One staff account.
struct AccountView {
    username: String,
    role: &'static str,
    created: String,
    password_set: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    c: Chrome,
    rows: Vec<AccountView>,
}

async fn accounts_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    notice: Option<Notice>,
    status: StatusCode,
) -> PageResult {
    let t = lang.texts();
    let rows = db::list_users(state.db().pool())
        .await?
        .into_iter()
        .map(|a| AccountView {
            role: match Role::parse(&a.role) {
                Some(Role::Admin) => t.role_admin,
                _ => t.role_staff,
            },
            username: a.username,
            created: jst_datetime(a.created_at),
            password_set: jst_datetime(a.password_set_at),
        })
        .collect();
    let page = AccountsPage {
        c: Chrome::new(lang, session, "accounts", "/staff/accounts").with(notice),
        rows,
    };
    render(status, &page)
}

/// `GET /staff/accounts` (admin).
pub(crate) async fn accounts(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> PageResult {
    require_admin(&session)?;
    accounts_page(&state, lang, &session, None, StatusCode::OK).await
}

fn account_error(
    lang: Lang,
    e: &auth::AccountError,
) -> Result<(Option<Notice>, StatusCode), StaffError> {
    match e {
        auth::AccountError::Hash(_) | auth::AccountError::Database(_) => {
            tracing::error!("staff console: account change failed: {e}");
            Err(StaffError::Internal)
        }
        auth::AccountError::UsernameTaken => {
            Ok((Notice::code(lang, e.code()), StatusCode::CONFLICT))
        }
        _ => Ok((
            Notice::code(lang, e.code()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

/// `POST /staff/accounts` (admin): create an account.
pub(crate) async fn accounts_create(
    State(state): State<AppState>,
    lang: Lang,
    mut p: Posted,
) -> PageResult {
    require_admin(&p.session)?;
    let username = auth::normalize_username(p.fields.get("username").unwrap_or_default());
    let Some(role) = p.fields.get("role").and_then(Role::parse) else {
        return accounts_page(
            &state,
            lang,
            &p.session,
            Notice::code(lang, "invalid_role"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let password = p.fields.take_password("password");
    let (notice, status) = match auth::add_staff(&state, &username, role, password).await {
        Ok(()) => {
            db::audit(
                state.db().pool(),
                state.now(),
                &p.session.username,
                CREATE_STAFF,
                None,
                Some(&username),
            )
            .await?;
            (
                Notice::ok(lang.pick(
                    format!("アカウント {username} を作成しました。"),
                    format!("Account {username} created."),
                )),
                StatusCode::OK,
            )
        }
        Err(e) => account_error(lang, &e)?,
    };
    accounts_page(&state, lang, &p.session, notice, status).await
}

/// `POST /staff/accounts/password` (admin): set a new password; the
/// account's sessions end.
pub(crate) async fn accounts_reset(
    State(state): State<AppState>,
    lang: Lang,
    mut p: Posted,
) -> PageResult {
    require_admin(&p.session)?;
    let username = auth::normalize_username(p.fields.get("username").unwrap_or_default());
    let password = p.fields.take_password("password");
    let (notice, status) = match auth::reset_password(&state, &username, password).await {
        Ok(()) => {
            db::audit(
                state.db().pool(),
                state.now(),
                &p.session.username,
                RESET_PASSWORD,
                None,
                Some(&username),
            )
            .await?;
            if username == p.session.username {
                // One's own sessions ended too: log in again.
                return Ok(Redirect::to("/staff/login").into_response());
            }
            (
                Notice::ok(lang.pick(
                    format!("{username} のパスワードを再設定しました。"),
                    format!("New password set for {username}."),
                )),
                StatusCode::OK,
            )
        }
        Err(e) => account_error(lang, &e)?,
    };
    accounts_page(&state, lang, &p.session, notice, status).await
}
