//! The desk (`/staff/desk`): scan a library card for the patron's
//! summary, check copies out, and take returns and transit arrivals.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use shiori_core::api::{Hold, HoldState};

use super::{branch_name, card_display, render, Chrome, Notice, PageResult, CHECKOUT, VIEW_PATRON};
use crate::circulation::{self, PatronSummary};
use crate::error::ApiErrorResponse;
use crate::holds::{self, library_date, Trapped};
use crate::staff::auth::StaffSession;
use crate::staff::i18n::Lang;
use crate::staff::{Posted, StaffError};
use crate::state::AppState;
use crate::store::staff as db;

/// One loan line.
struct LoanView {
    title: String,
    barcode: String,
    due: String,
    overdue: bool,
}

/// One hold line.
struct HoldView {
    title: String,
    branch: String,
    deadline: String,
    state: String,
}

/// The patron part of the desk page.
struct SummaryView {
    name: String,
    card_display: String,
    card_digits: String,
    loans: Vec<LoanView>,
    ready: Vec<HoldView>,
    waiting: Vec<HoldView>,
}

/// The JST library date of an RFC 3339 time from the API types.
fn jst_date_of(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| rfc3339.to_owned(), |t| library_date(t.unix_timestamp()))
}

fn hold_state(lang: Lang, h: &Hold) -> String {
    let base = match h.state {
        HoldState::Queued => match h.position {
            Some(p) => lang.pick(format!("予約待ち（{p}番目）"), format!("waiting (#{p})")),
            None => lang.pick("予約待ち", "waiting").to_owned(),
        },
        HoldState::InTransit => lang.pick("回送中", "in transit").to_owned(),
        HoldState::Ready => lang.pick("受取可能", "ready").to_owned(),
        // The desk lists open holds only; a closed one shows its name.
        closed @ (HoldState::Filled | HoldState::Cancelled | HoldState::PickupExpired) => {
            closed.as_str().to_owned()
        }
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
