//! The console's pages: short handlers that call the desk functions
//! (`circulation`, `holds`) and render askama templates. Every patron
//! summary shown writes an audit row first (no row, no summary).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use shiori_core::api::Hold;

use super::auth::{self, LoginRefused, Role, SessionToken, StaffSession};
use super::i18n::{error_text, Lang, Texts};
use super::{
    cookie, cookie_value, csrf, query_param, LoginPost, Posted, StaffError, PRE_SESSION_COOKIE,
    SESSION_COOKIE,
};
use crate::circulation::{self, PatronSummary};
use crate::client_addr::ClientAddr;
use crate::error::ApiErrorResponse;
use crate::holds::{self, library_date, Trapped};
use crate::state::AppState;
use crate::store::{self, staff as db};

type PageResult = Result<Response, StaffError>;

/// Audit actions (stable strings in `staff_audit.action`).
const VIEW_PATRON: &str = "view_patron";
const CHECKOUT: &str = "checkout";
const CREATE_STAFF: &str = "create_staff";
const RESET_PASSWORD: &str = "reset_password";

/// A message at the top of a page.
pub(crate) struct Notice {
    /// `ok` or `error` (a CSS class; errors are `role=alert`).
    pub(crate) kind: &'static str,
    pub(crate) text: String,
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
pub(crate) struct UserView {
    pub(crate) username: String,
    pub(crate) role_label: &'static str,
    pub(crate) is_admin: bool,
}

/// What every page shares: language, texts, user, CSRF token, the page's
/// own path (for the language switch) and a notice.
pub(crate) struct Chrome {
    pub(crate) lang: Lang,
    pub(crate) other_lang: Lang,
    pub(crate) t: &'static Texts,
    pub(crate) user: Option<UserView>,
    pub(crate) csrf: String,
    pub(crate) page: &'static str,
    pub(crate) path: &'static str,
    pub(crate) notice: Option<Notice>,
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

/// The JST library date of an RFC 3339 time from the API types.
fn jst_date_of(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| rfc3339.to_owned(), |t| library_date(t.unix_timestamp()))
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
// Errors

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    code: &'a str,
    ja: &'a str,
    en: &'a str,
}

/// A bilingual error page (the language may not be known yet).
pub(crate) fn error_page(status: StatusCode, code: &str, ja: &str, en: &str) -> Response {
    match (ErrorPage { code, ja, en }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("staff console: error template: {e}");
            (status, code.to_owned()).into_response()
        }
    }
}

/// `GET /staff/static/staff.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        include_str!("staff.css"),
    )
        .into_response()
}

/// `GET /staff/static/favicon.svg` (a bookmark, 栞), so that browsers do
/// not ask for a missing `/favicon.ico`.
pub(crate) async fn favicon() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        include_str!("favicon.svg"),
    )
        .into_response()
}

/// `GET /staff`: the desk, or the login page.
pub(crate) async fn root(session: Option<StaffSession>) -> Redirect {
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

// ---------------------------------------------------------------------------
// Login and logout

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

// ---------------------------------------------------------------------------
// The desk

/// One loan line.
pub(crate) struct LoanView {
    title: String,
    barcode: String,
    due: String,
    overdue: bool,
}

/// One hold line.
pub(crate) struct HoldView {
    title: String,
    branch: String,
    deadline: String,
    state: String,
}

/// The patron part of the desk page.
pub(crate) struct SummaryView {
    name: String,
    card_display: String,
    card_digits: String,
    loans: Vec<LoanView>,
    ready: Vec<HoldView>,
    waiting: Vec<HoldView>,
}

fn hold_state(lang: Lang, h: &Hold) -> String {
    let base = match h.state.as_str() {
        "queued" => match h.position {
            Some(p) => lang.pick(format!("予約待ち（{p}番目）"), format!("waiting (#{p})")),
            None => lang.pick("予約待ち", "waiting").to_owned(),
        },
        "in_transit" => lang.pick("回送中", "in transit").to_owned(),
        "ready" => lang.pick("受取可能", "ready").to_owned(),
        other => other.to_owned(),
    };
    match &h.suspended_until {
        Some(d) => lang.pick(
            format!("{base}・{d}まで休止中"),
            format!("{base}, suspended until {d}"),
        ),
        None => base,
    }
}

fn summary_view(state: &AppState, lang: Lang, s: &PatronSummary) -> SummaryView {
    let hold = |h: &Hold| HoldView {
        title: h.title.clone(),
        branch: branch_name(state, lang, &h.pickup_branch),
        deadline: h
            .pickup_deadline
            .as_deref()
            .map(jst_date_of)
            .unwrap_or_default(),
        state: hold_state(lang, h),
    };
    SummaryView {
        name: s.patron.name.clone(),
        card_display: card_display(state, &s.patron.card_number),
        card_digits: s.patron.card_number.clone(),
        loans: s
            .loans
            .iter()
            .map(|l| LoanView {
                title: l.title.clone(),
                barcode: l.item_barcode.clone(),
                due: jst_date_of(&l.due_at),
                overdue: l.overdue,
            })
            .collect(),
        ready: s.ready.iter().map(hold).collect(),
        waiting: s.waiting.iter().map(hold).collect(),
    }
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    c: Chrome,
    summary: Option<SummaryView>,
    /// Which field gets `autofocus`: `card`, `item` or `return`.
    focus: &'static str,
}

fn desk_page(
    c: Chrome,
    summary: Option<SummaryView>,
    focus: &'static str,
    status: StatusCode,
) -> PageResult {
    render(status, &DeskPage { c, summary, focus })
}

/// Look the patron up and write the audit row; `Ok(Err(_))` is a desk
/// error (unknown card …) to show.
async fn audited_summary(
    state: &AppState,
    session: &StaffSession,
    card: &str,
    action: &str,
) -> Result<Result<PatronSummary, ApiErrorResponse>, StaffError> {
    match circulation::patron_summary(state, card).await {
        Ok(s) => {
            db::audit(
                state.db().pool(),
                state.now(),
                &session.username,
                action,
                Some(&s.patron.id),
                None,
            )
            .await?;
            Ok(Ok(s))
        }
        Err(e) if e.status.is_server_error() => Err(e.into()),
        Err(e) => Ok(Err(e)),
    }
}

/// `GET /staff/desk`: the scan field, focused.
pub(crate) async fn desk(lang: Lang, session: StaffSession) -> PageResult {
    desk_page(
        Chrome::new(lang, &session, "desk", "/staff/desk"),
        None,
        "card",
        StatusCode::OK,
    )
}

/// `POST /staff/desk`: a scanned library card → the patron's summary.
pub(crate) async fn desk_scan(State(state): State<AppState>, lang: Lang, p: Posted) -> PageResult {
    let c = Chrome::new(lang, &p.session, "desk", "/staff/desk");
    let card = p.fields.get("card").unwrap_or_default();
    if card.is_empty() {
        return desk_page(
            c.with(Notice::code(lang, "invalid_card_number")),
            None,
            "card",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match audited_summary(&state, &p.session, card, VIEW_PATRON).await? {
        Ok(s) => desk_page(
            c,
            Some(summary_view(&state, lang, &s)),
            "item",
            StatusCode::OK,
        ),
        Err(e) => desk_page(c.with(Notice::from_api(lang, &e)), None, "card", e.status),
    }
}

/// `POST /staff/desk/checkout`: check a copy out to the patron on screen.
pub(crate) async fn desk_checkout(
    State(state): State<AppState>,
    lang: Lang,
    p: Posted,
) -> PageResult {
    let c = Chrome::new(lang, &p.session, "desk", "/staff/desk");
    let card = p.fields.get("card").unwrap_or_default();
    let item = p.fields.get("item").unwrap_or_default();
    let (notice, status, action) = if item.is_empty() {
        (
            Notice::code(lang, "empty_barcode"),
            StatusCode::UNPROCESSABLE_ENTITY,
            VIEW_PATRON,
        )
    } else {
        match circulation::checkout(&state, card, item).await {
            Ok(loan) => (
                Notice::ok(lang.pick(
                    format!(
                        "貸出しました：{}（{}）返却期限 {}",
                        loan.title,
                        loan.item_barcode,
                        jst_date_of(&loan.due_at)
                    ),
                    format!(
                        "Checked out: {} ({}), due {}",
                        loan.title,
                        loan.item_barcode,
                        jst_date_of(&loan.due_at)
                    ),
                )),
                StatusCode::OK,
                CHECKOUT,
            ),
            Err(e) if e.status.is_server_error() => return Err(e.into()),
            Err(e) => (Notice::from_api(lang, &e), e.status, VIEW_PATRON),
        }
    };
    match audited_summary(&state, &p.session, card, action).await? {
        Ok(s) => desk_page(
            c.with(notice),
            Some(summary_view(&state, lang, &s)),
            "item",
            status,
        ),
        Err(e) => desk_page(c.with(Notice::from_api(lang, &e)), None, "card", e.status),
    }
}

/// What the return desk says about where a copy goes.
async fn trapped_text(
    state: &AppState,
    lang: Lang,
    title: &str,
    shelf: Option<&str>,
    t: &Trapped,
) -> Result<String, StaffError> {
    Ok(match t {
        Trapped::Ready {
            patron_id,
            pickup_deadline,
            ..
        } => {
            let card = db::card_number_of(state.db().pool(), patron_id)
                .await?
                .map(|d| card_display(state, &d))
                .unwrap_or_default();
            let date = library_date(*pickup_deadline);
            lang.pick(
                format!("予約棚へ：利用者カード {card} の予約（取置期限 {date}）— {title}"),
                format!("To the hold shelf for card {card} (pick up by {date}) — {title}"),
            )
        }
        Trapped::InTransit { to_branch, .. } => {
            let branch = branch_name(state, lang, to_branch);
            lang.pick(
                format!("{branch}へ回送してください（予約資料）— {title}"),
                format!("Send to {branch} for a hold (transit) — {title}"),
            )
        }
        Trapped::Shelved => {
            let shelf = shelf.unwrap_or("");
            lang.pick(
                format!("書架へ戻してください（{shelf}）— {title}"),
                format!("Back to the shelf ({shelf}) — {title}"),
            )
        }
    })
}

/// `POST /staff/desk/return`: a returned copy, or a hold copy arriving in
/// transit; says where it goes next.
pub(crate) async fn desk_return(
    State(state): State<AppState>,
    lang: Lang,
    p: Posted,
) -> PageResult {
    let c = Chrome::new(lang, &p.session, "desk", "/staff/desk");
    let item = p.fields.get("item").unwrap_or_default();
    let info = if item.is_empty() {
        None
    } else {
        db::item_info(state.db().pool(), item).await?
    };
    let Some(info) = info else {
        let code = if item.is_empty() {
            "empty_barcode"
        } else {
            "item_not_found"
        };
        return desk_page(
            c.with(Notice::code(lang, code)),
            None,
            "return",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let outcome = if info.status == "in_transit" {
        holds::receive_transit(&state, item)
            .await
            .map(|t| (t, lang.pick("到着", "Arrived")))
    } else {
        circulation::checkin(&state, item).await.map(|r| {
            let what = match (r.was_on_loan, r.overdue) {
                (true, true) => lang.pick("返却（延滞）", "Returned (overdue)"),
                (true, false) => lang.pick("返却", "Returned"),
                (false, _) => lang.pick("貸出中ではない資料", "Was not on loan"),
            };
            (r.next, what)
        })
    };
    match outcome {
        Ok((next, what)) => {
            let text =
                trapped_text(&state, lang, &info.title, info.shelf.as_deref(), &next).await?;
            desk_page(
                c.with(Notice::ok(format!("{what}: {text}"))),
                None,
                "return",
                StatusCode::OK,
            )
        }
        Err(e) if e.status.is_server_error() => Err(e.into()),
        Err(e) => desk_page(c.with(Notice::from_api(lang, &e)), None, "return", e.status),
    }
}

// ---------------------------------------------------------------------------
// Branch lists

/// A choice in the branch selector.
pub(crate) struct BranchOption {
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

/// One copy on the hold shelf.
pub(crate) struct ShelfView {
    card: String,
    title: String,
    barcode: String,
    deadline: String,
    expired: bool,
}

#[derive(Template)]
#[template(path = "shelf.html")]
struct ShelfPage {
    c: Chrome,
    branch_name: String,
    branches: Vec<BranchOption>,
    rows: Vec<ShelfView>,
}

/// `GET /staff/shelf?branch=`: the hold shelf by card number, expired marked.
pub(crate) async fn shelf(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    RawQuery(query): RawQuery,
) -> PageResult {
    let c = Chrome::new(lang, &session, "shelf", "/staff/shelf");
    let (chosen, branches) = chosen_branch(&state, lang, query.as_deref());
    let Some(branch) = chosen else {
        let page = ShelfPage {
            c: c.with(Notice::code(lang, "unknown_branch")),
            branch_name: String::new(),
            branches,
            rows: Vec::new(),
        };
        return render(StatusCode::NOT_FOUND, &page);
    };
    let now = state.now();
    let rows = circulation::hold_shelf(&state, &branch)
        .await?
        .into_iter()
        .map(|e| ShelfView {
            card: card_display(&state, &e.card_number),
            title: e.title,
            barcode: e.item_barcode,
            deadline: library_date(e.pickup_deadline),
            expired: e.pickup_deadline < now,
        })
        .collect();
    let page = ShelfPage {
        c,
        branch_name: branch_name(&state, lang, &branch),
        branches,
        rows,
    };
    render(StatusCode::OK, &page)
}

/// One copy to pull.
pub(crate) struct PickView {
    shelf: String,
    title: String,
    barcode: String,
}

#[derive(Template)]
#[template(path = "pick.html")]
struct PickPage {
    c: Chrome,
    branch_name: String,
    branches: Vec<BranchOption>,
    rows: Vec<PickView>,
}

/// `GET /staff/pick-list?branch=`.
pub(crate) async fn pick_list(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    RawQuery(query): RawQuery,
) -> PageResult {
    let c = Chrome::new(lang, &session, "pick", "/staff/pick-list");
    let (chosen, branches) = chosen_branch(&state, lang, query.as_deref());
    let Some(branch) = chosen else {
        let page = PickPage {
            c: c.with(Notice::code(lang, "unknown_branch")),
            branch_name: String::new(),
            branches,
            rows: Vec::new(),
        };
        return render(StatusCode::NOT_FOUND, &page);
    };
    let rows = circulation::pick_list(&state, &branch)
        .await?
        .into_iter()
        .map(|e| PickView {
            shelf: e.shelf.unwrap_or_default(),
            title: e.title,
            barcode: e.item_barcode,
        })
        .collect();
    let page = PickPage {
        c,
        branch_name: branch_name(&state, lang, &branch),
        branches,
        rows,
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------
// Expiry sweep

#[derive(Template)]
#[template(path = "sweep.html")]
struct SweepPage {
    c: Chrome,
    lines: Vec<String>,
}

/// `GET /staff/sweep`.
pub(crate) async fn sweep_page(lang: Lang, session: StaffSession) -> PageResult {
    let page = SweepPage {
        c: Chrome::new(lang, &session, "sweep", "/staff/sweep"),
        lines: Vec::new(),
    };
    render(StatusCode::OK, &page)
}

/// `POST /staff/sweep`: expire uncollected holds; also delete old audit
/// rows and ended staff sessions.
pub(crate) async fn sweep_run(State(state): State<AppState>, lang: Lang, p: Posted) -> PageResult {
    let done = holds::sweep(&state).await?;
    let now = state.now();
    let cfg = state.config().staff;
    let mut tx = store::begin_write(state.db()).await?;
    let audit_before = now.saturating_sub(i64::from(cfg.audit_retention_days) * 86_400);
    let audit_purged = db::purge_audit(&mut tx, audit_before).await?;
    let idle = i64::try_from(cfg.session_idle_secs).unwrap_or(i64::MAX);
    let sessions_purged = db::purge_sessions(&mut tx, now, now.saturating_sub(idle)).await?;
    tx.commit().await?;
    let (mut ready, mut transit, mut shelved) = (0, 0, 0);
    for t in &done.passed_on {
        match t {
            Trapped::Ready { .. } => ready += 1,
            Trapped::InTransit { .. } => transit += 1,
            Trapped::Shelved => shelved += 1,
        }
    }
    let n = done.expired.len();
    let lines = vec![
        lang.pick(
            format!("取置期限切れにした予約：{n}件"),
            format!("Holds expired (not collected): {n}"),
        ),
        lang.pick(
            format!("その資料の行き先：次の予約者の予約棚 {ready}件、回送 {transit}件、書架 {shelved}件"),
            format!("Their copies: to the next hold here {ready}, to transit {transit}, back to the shelf {shelved}"),
        ),
        lang.pick(
            format!("削除した終了済みの予約：{}件", done.purged),
            format!("Closed holds deleted: {}", done.purged),
        ),
        lang.pick(
            format!("削除した古い監査ログ：{audit_purged}件、終了した職員セッション：{sessions_purged}件"),
            format!("Old audit rows deleted: {audit_purged}; ended staff sessions deleted: {sessions_purged}"),
        ),
    ];
    let page = SweepPage {
        c: Chrome::new(lang, &p.session, "sweep", "/staff/sweep").with(Notice::ok(
            lang.pick("期限切れ処理を実行しました。", "The expiry sweep ran."),
        )),
        lines,
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------
// Admin: audit log and accounts

/// One audit line.
pub(crate) struct AuditView {
    at: String,
    staff: String,
    action: String,
    target: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    rows: Vec<AuditView>,
    /// The card number filter as typed (empty: none).
    card: String,
    /// The query string of the next (older) page, if there is one.
    older: Option<String>,
}

/// Rows on one audit page.
const AUDIT_PAGE_ROWS: i64 = 100;

/// `before=AT.ID`: the cursor of the last row shown.
fn audit_cursor(raw: &str) -> Option<(i64, i64)> {
    let (at, id) = raw.split_once('.')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}

fn action_label(lang: Lang, action: &str) -> String {
    match action {
        VIEW_PATRON => lang.pick("利用者情報の表示", "viewed patron"),
        CHECKOUT => lang.pick("貸出", "checkout"),
        CREATE_STAFF => lang.pick("職員アカウント作成", "created staff account"),
        RESET_PASSWORD => lang.pick("パスワード再設定", "reset password"),
        other => other,
    }
    .to_owned()
}

/// `GET /staff/audit` (admin): newest first, [`AUDIT_PAGE_ROWS`] a page
/// (`before=AT.ID` for older ones), optionally only about one library card
/// (`card=`, as scanned or typed).
pub(crate) async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    RawQuery(query): RawQuery,
) -> PageResult {
    require_admin(&session)?;
    let t = lang.texts();
    let c = Chrome::new(lang, &session, "audit", "/staff/audit");
    let card = query_param(query.as_deref(), "card")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    // A filter or cursor that does not parse: the empty page, with why (400).
    let refused = |c: Chrome, notice: Option<Notice>, card: String| {
        let page = AuditPage {
            c: c.with(notice),
            rows: Vec::new(),
            card,
            older: None,
        };
        render(StatusCode::BAD_REQUEST, &page)
    };
    let card_number = if card.is_empty() {
        None
    } else {
        match circulation::card_digits(&state, &card) {
            Ok(digits) => Some(digits),
            Err(_) => return refused(c, Notice::code(lang, "invalid_card_number"), card),
        }
    };
    let before = match query_param(query.as_deref(), "before").map(|raw| audit_cursor(&raw)) {
        None => None,
        Some(Some(cursor)) => Some(cursor),
        Some(None) => {
            let notice = Notice::error(lang.pick(
                "ページの指定が正しくありません。",
                "That page of the audit log does not exist.",
            ));
            return refused(c, notice, card);
        }
    };
    let mut rows = db::audit_log(
        state.db().pool(),
        &db::AuditQuery {
            card_number,
            before,
            limit: AUDIT_PAGE_ROWS + 1,
        },
    )
    .await?;
    let older = if rows.len() > AUDIT_PAGE_ROWS as usize {
        rows.truncate(AUDIT_PAGE_ROWS as usize);
        rows.last().map(|last| {
            let mut q = format!("before={}.{}", last.at, last.id);
            if !card.is_empty() {
                q.push_str("&card=");
                q.extend(url::form_urlencoded::byte_serialize(card.as_bytes()));
            }
            q
        })
    } else {
        None
    };
    let rows = rows
        .into_iter()
        .map(|r| AuditView {
            at: jst_datetime(r.at),
            staff: r.staff_username,
            action: action_label(lang, &r.action),
            target: match (&r.patron_id, &r.card_number, &r.subject) {
                (_, Some(card), _) => card_display(&state, card),
                (Some(_), None, _) => t.deleted_patron.to_owned(),
                (None, _, Some(subject)) => subject.clone(),
                (None, _, None) => String::new(),
            },
        })
        .collect();
    let page = AuditPage {
        c,
        rows,
        card,
        older,
    };
    render(StatusCode::OK, &page)
}

/// One staff account.
pub(crate) struct AccountView {
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
