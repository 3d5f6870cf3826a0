//! The login page (`/staff/login`) and logout (`/staff/logout`).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::{render, Chrome, Notice, PageResult};
use crate::client_addr::ClientAddr;
use crate::staff::auth::{self, LoginRefused, SessionToken, StaffSession};
use crate::staff::i18n::Lang;
use crate::staff::{
    cookie, cookie_value, csrf, query_param, LoginPost, Posted, PRE_SESSION_COOKIE, SESSION_COOKIE,
};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    username: String,
}

fn login_chrome(lang: Lang, pre: &str, notice: Option<Notice>) -> Chrome {
    Chrome {
        lang,
        other_lang: lang.other(),
        t: lang.texts(),
        user: None,
        csrf: csrf::token_for(pre),
        page: "login",
        path: "/staff/login",
        notice,
    }
}

/// `GET /staff/login`: the form, with a pre-session cookie for its CSRF
/// token.
pub(crate) async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    session: Option<StaffSession>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> PageResult {
    if session.is_some() {
        return Ok(Redirect::to("/staff/desk").into_response());
    }
    let (pre, fresh) = match cookie_value(&headers, PRE_SESSION_COOKIE) {
        Some(p) => (SessionToken::from_cookie(&p), false),
        None => (SessionToken::generate(), true),
    };
    let notice = match query_param(query.as_deref(), "bye").as_deref() {
        Some("1") => Notice::ok(lang.pick("ログアウトしました。", "You have logged out.")),
        _ => None,
    };
    let page = LoginPage {
        c: login_chrome(lang, pre.as_str(), notice),
        username: String::new(),
    };
    let mut res = render(StatusCode::OK, &page)?;
    if fresh {
        set_cookie(
            &mut res,
            &cookie(&state, PRE_SESSION_COOKIE, pre.as_str(), None),
        );
    }
    Ok(res)
}

fn set_cookie(res: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `POST /staff/login`.
pub(crate) async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    LoginPost { mut fields }: LoginPost,
) -> PageResult {
    let username = fields.get("username").unwrap_or_default().to_owned();
    let password = fields.take_password("password");
    match auth::login(&state, client, &username, password).await? {
        Ok(token) => {
            let mut res = Redirect::to("/staff/desk").into_response();
            set_cookie(
                &mut res,
                &cookie(&state, SESSION_COOKIE, token.as_str(), None),
            );
            set_cookie(&mut res, &cookie(&state, PRE_SESSION_COOKIE, "", Some(0)));
            Ok(res)
        }
        Err(refused) => {
            let pre = cookie_value(&headers, PRE_SESSION_COOKIE).unwrap_or_default();
            let page = LoginPage {
                c: login_chrome(lang, &pre, Notice::code(lang, refused.code())),
                username,
            };
            let status = match refused {
                LoginRefused::BadCredentials | LoginRefused::Locked => StatusCode::UNAUTHORIZED,
                LoginRefused::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                LoginRefused::Busy => StatusCode::SERVICE_UNAVAILABLE,
            };
            let mut res = render(status, &page)?;
            if let Some(secs) = refused.retry_after() {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(res)
        }
    }
}

/// `POST /staff/logout`: the session is deleted and the cookie cleared.
pub(crate) async fn logout(State(state): State<AppState>, posted: Posted) -> PageResult {
    auth::logout(&state, &posted.session.token).await?;
    let mut res = Redirect::to("/staff/login?bye=1").into_response();
    set_cookie(&mut res, &cookie(&state, SESSION_COOKIE, "", Some(0)));
    Ok(res)
}
