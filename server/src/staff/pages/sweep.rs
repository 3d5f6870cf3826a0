//! The expiry sweep (`/staff/sweep`): expire uncollected holds and delete
//! old audit rows and ended staff sessions.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

use super::{render, Chrome, Notice, PageResult};
use crate::holds::{self, Trapped};
use crate::staff::auth::StaffSession;
use crate::staff::i18n::Lang;
use crate::staff::Posted;
use crate::state::AppState;
use crate::store::{self, staff as db};

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
