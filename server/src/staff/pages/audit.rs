//! The audit log (`/staff/audit`, admin only): who viewed which patron
//! and who changed what, newest first.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;

use super::{
    card_display, jst_datetime, render, require_admin, Chrome, Notice, PageResult, CHECKOUT,
    CREATE_STAFF, RESET_PASSWORD, VIEW_PATRON,
};
use crate::circulation;
use crate::staff::auth::StaffSession;
use crate::staff::i18n::Lang;
use crate::staff::query_param;
use crate::state::AppState;
use crate::store::staff as db;

/// One audit line.
struct AuditView {
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
