//! Circulation at the desk: checkout, return (check-in), renewal, and what
//! the desk sees when it scans a library card; the holds shelf and the pick
//! list per branch. Patrons see and renew their own loans through the API.
//!
//! * **Checkout** of a copy: an available copy, or one on the hold shelf
//!   for *this* patron. Never a copy set aside for someone else, travelling,
//!   missing, or already out. The patron's own open hold on the title, if
//!   any, becomes `filled` whichever copy it waited for
//!   (`holds::fill_on_checkout`). Due at the end (JST) of the copy's branch
//!   loan period.
//! * **Return**: the loan row is deleted — the link between patron and copy
//!   is gone (図書館の自由に関する宣言); a patron who opted in gets a
//!   reading-history line instead. The copy then goes to the first eligible
//!   hold of its title (`holds::pass_on`) or back on the shelf.
//! * **Renewal**: within the branch's renewal count, not overdue, and only
//!   while nobody is waiting for the title.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use shiori_core::api::{Hold, HoldState, Loan, Patron};
use sqlx::Row;

use crate::error::ApiErrorResponse;
use crate::holds::{self, item_not_found, library_date, Trapped};
use crate::state::AppState;
use crate::store::catalogue as cat;
use crate::store::holds as hold_store;
use crate::store::loans::{self, LoanRow};
use crate::store::{self, patrons};
use crate::time_fmt::rfc3339;

fn conflict(code: &str, message: impl Into<String>) -> ApiErrorResponse {
    ApiErrorResponse::new(StatusCode::CONFLICT, code, message)
}

pub(crate) fn api_loan(l: &LoanRow, now: i64) -> Loan {
    Loan {
        id: l.id.clone(),
        title_id: l.title_id,
        title: l.title.clone(),
        item_barcode: l.item_barcode.clone(),
        branch: l.branch.clone(),
        checked_out_at: rfc3339(l.checked_out_at),
        due_at: rfc3339(l.due_at),
        renewals: u32::try_from(l.renewals).unwrap_or(0),
        overdue: l.due_at < now,
    }
}

/// The digits of a scanned or typed library card number (start/stop
/// characters, hyphen and full-width forms accepted), or `invalid_card_number`.
pub fn card_digits(state: &AppState, scanned: &str) -> Result<String, ApiErrorResponse> {
    state
        .card_number_scheme()
        .parse(scanned)
        .map(|n| n.digits().to_owned())
        .map_err(|e| {
            ApiErrorResponse::bad_request(
                "invalid_card_number",
                format!("not a library card number of this library: {e}"),
            )
        })
}

async fn patron_id_by_card(
    db: impl sqlx::AnyExecutor<'_>,
    state: &AppState,
    scanned: &str,
) -> Result<String, ApiErrorResponse> {
    let digits = card_digits(state, scanned)?;
    loans::patron_by_card(db, &digits)
        .await?
        .ok_or_else(unknown_card)
}

fn unknown_card() -> ApiErrorResponse {
    ApiErrorResponse::new(
        StatusCode::NOT_FOUND,
        "unknown_card",
        "no patron has this library card number",
    )
}

/// Check a copy out to the patron whose card was scanned.
pub async fn checkout(
    state: &AppState,
    card: &str,
    barcode: &str,
) -> Result<Loan, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let patron_id = patron_id_by_card(&mut *tx, state, card).await?;
    let item = cat::item(&mut tx, barcode)
        .await?
        .ok_or_else(item_not_found)?;
    if loans::of_item(&mut tx, barcode).await?.is_some() {
        return Err(conflict(
            "already_checked_out",
            "this copy is already checked out; return it first",
        ));
    }
    match item.status.as_str() {
        "available" => {}
        "on_hold_shelf" => match hold_store::holding_item(&mut tx, barcode).await? {
            // Filled below with the patron's other holds on the title.
            Some(h) if h.patron_id == patron_id => {}
            _ => {
                return Err(conflict(
                    "on_hold_for_another",
                    "this copy is set aside for another patron's hold",
                ))
            }
        },
        "in_transit" => {
            return Err(conflict(
                "item_in_transit",
                "this copy is travelling to another branch for a hold",
            ))
        }
        "missing" => {
            return Err(conflict(
                "item_missing",
                "this copy is marked missing; return it first to put it back in circulation",
            ))
        }
        other => {
            return Err(conflict(
                "item_unavailable",
                format!("this copy cannot be checked out (status {other})"),
            ))
        }
    }
    let limit = state.inner().config.loans.max_loans_per_patron;
    if loans::count_of_patron(&mut tx, &patron_id).await? >= i64::from(limit) {
        return Err(conflict(
            "loan_limit_reached",
            format!("the patron already has {limit} copies out"),
        ));
    }
    let (days, _) = cat::loan_rules(&mut tx, &item.branch)
        .await?
        .unwrap_or((14, 0));
    holds::fill_on_checkout(&mut tx, &patron_id, item.title_id, barcode, now).await?;
    let due = holds::end_of_day_after(now, days);
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    loans::insert(&mut tx, &id, &patron_id, barcode, now, due).await?;
    cat::set_item_status(&mut tx, barcode, "checked_out").await?;
    let row = loans::get(&mut tx, &id)
        .await?
        .ok_or_else(|| ApiErrorResponse::internal("loan vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(api_loan(&row, now))
}

/// What a return did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkin {
    /// Whether the copy was on loan (a copy found on a shelf was not).
    pub was_on_loan: bool,
    /// Whether it came back after its due time.
    pub overdue: bool,
    /// Where the copy goes now.
    pub next: Trapped,
}

/// Return a copy (or scan one found on the shelf): the loan is deleted and
/// the copy goes to the next hold or back on the shelf.
pub async fn checkin(state: &AppState, barcode: &str) -> Result<Checkin, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let item = cat::item(&mut tx, barcode)
        .await?
        .ok_or_else(item_not_found)?;
    if let Some(h) = hold_store::holding_item(&mut tx, barcode).await? {
        return Err(conflict(
            "item_already_trapped",
            format!("this copy is already {} for a hold ({})", h.state, h.id),
        ));
    }
    let loan = loans::of_item(&mut tx, barcode).await?;
    let mut overdue = false;
    if let Some(l) = &loan {
        overdue = l.due_at < now;
        loans::delete(&mut tx, &l.id).await?;
        if loans::keeps_history(&mut *tx, &l.patron_id).await? {
            loans::add_history(&mut tx, &l.patron_id, item.title_id, &library_date(now)).await?;
        }
    }
    cat::set_item_status(&mut tx, barcode, "available").await?;
    let next = holds::pass_on(&mut tx, barcode, now).await?;
    tx.commit().await?;
    Ok(Checkin {
        was_on_loan: loan.is_some(),
        overdue,
        next,
    })
}

/// Renew a loan of `patron_id`.
pub(crate) async fn renew(
    state: &AppState,
    patron_id: &str,
    loan_id: &str,
) -> Result<Loan, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let loan = match loans::get(&mut tx, loan_id).await? {
        Some(l) if l.patron_id == patron_id => l,
        _ => {
            return Err(ApiErrorResponse::new(
                StatusCode::NOT_FOUND,
                "loan_not_found",
                "no such loan",
            ))
        }
    };
    if loan.due_at < now {
        return Err(conflict(
            "loan_overdue",
            "an overdue copy cannot be renewed; please return it",
        ));
    }
    let (days, max_renewals) = cat::loan_rules(&mut tx, &loan.branch)
        .await?
        .unwrap_or((14, 0));
    if loan.renewals >= i64::from(max_renewals) {
        return Err(conflict(
            "renewal_limit_reached",
            format!("this copy can be renewed {max_renewals} time(s)"),
        ));
    }
    let waiting: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM holds WHERE title_id = $1 AND state = 'queued'")
            .bind(loan.title_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if waiting > 0 {
        return Err(conflict(
            "renewal_blocked_by_holds",
            "other patrons are waiting for this title",
        ));
    }
    // The new period runs from today, as Japanese libraries count it.
    let due = holds::end_of_day_after(now, days).max(loan.due_at);
    loans::renew(&mut tx, loan_id, due).await?;
    let row = loans::get(&mut tx, loan_id)
        .await?
        .ok_or_else(|| ApiErrorResponse::internal("loan vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(api_loan(&row, now))
}

/// A patron's loans.
pub(crate) async fn loans_of(
    state: &AppState,
    patron_id: &str,
) -> Result<Vec<Loan>, ApiErrorResponse> {
    let now = state.now();
    Ok(loans::of_patron(state.inner().db.pool(), patron_id)
        .await?
        .iter()
        .map(|l| api_loan(l, now))
        .collect())
}

/// What the desk sees after scanning a library card.
#[derive(Debug, Clone, Serialize)]
pub struct PatronSummary {
    /// The patron.
    pub patron: Patron,
    /// Copies out, soonest due first.
    pub loans: Vec<Loan>,
    /// Holds with a copy waiting on the hold shelf now.
    pub ready: Vec<Hold>,
    /// All other open holds.
    pub waiting: Vec<Hold>,
}

/// Look a patron up by a scanned card (for the desk; the console audits it).
pub async fn patron_summary(
    state: &AppState,
    scanned: &str,
) -> Result<PatronSummary, ApiErrorResponse> {
    let pool = state.inner().db.pool();
    let id = patron_id_by_card(pool, state, scanned).await?;
    let patron = patrons::load(pool, &id).await?.ok_or_else(unknown_card)?;
    let loans = loans_of(state, &id).await?;
    let (ready, waiting) = holds::list(state, &id)
        .await?
        .into_iter()
        .filter(|h| h.state.is_open())
        .partition(|h| h.state == HoldState::Ready);
    Ok(PatronSummary {
        patron,
        loans,
        ready,
        waiting,
    })
}

/// One copy on a branch's hold shelf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShelfEntry {
    /// The hold.
    pub hold_id: String,
    /// The copy.
    pub item_barcode: String,
    /// Title text.
    pub title: String,
    /// The patron's library card number (shelves are sorted by it).
    pub card_number: String,
    /// Collect before this (unix seconds).
    pub pickup_deadline: i64,
}

/// The hold shelf of a branch: copies set aside, by card number.
pub async fn hold_shelf(
    state: &AppState,
    branch: &str,
) -> Result<Vec<ShelfEntry>, ApiErrorResponse> {
    let rows = sqlx::query(
        "SELECT h.id, h.item_barcode, t.title, p.card_number, h.pickup_deadline \
         FROM holds h JOIN titles t ON t.id = h.title_id JOIN patrons p ON p.id = h.patron_id \
         WHERE h.state = 'ready' AND h.pickup_branch = $1 ORDER BY p.card_number, h.id",
    )
    .bind(branch)
    .fetch_all(state.inner().db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ShelfEntry {
                hold_id: r.try_get("id")?,
                item_barcode: r.try_get("item_barcode")?,
                title: r.try_get("title")?,
                card_number: r.try_get("card_number")?,
                pickup_deadline: r.try_get("pickup_deadline")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A copy to pull from a branch's shelves for a waiting hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickEntry {
    /// The title.
    pub title_id: i64,
    /// Title text.
    pub title: String,
    /// A copy on the shelf here.
    pub item_barcode: String,
    /// Where it stands.
    pub shelf: Option<String>,
}

/// Copies to pull at `branch`: for each title with eligible queued holds
/// (not suspended today) and no copy travelling or set aside for them yet,
/// as many available copies here as there are such holds. Scanning a pulled
/// copy (`holds::trap_item` or a return) sets it aside.
pub async fn pick_list(state: &AppState, branch: &str) -> Result<Vec<PickEntry>, ApiErrorResponse> {
    let today = library_date(state.now());
    let rows = sqlx::query(
        "SELECT i.title_id, t.title, i.barcode, i.shelf, \
         (SELECT COUNT(*) FROM holds h WHERE h.title_id = i.title_id AND h.state = 'queued' \
          AND (h.suspended_until IS NULL OR h.suspended_until <= $2)) AS wanted \
         FROM items i JOIN titles t ON t.id = i.title_id \
         WHERE i.branch = $1 AND i.status = 'available' AND EXISTS ( \
           SELECT 1 FROM holds h WHERE h.title_id = i.title_id AND h.state = 'queued' \
           AND (h.suspended_until IS NULL OR h.suspended_until <= $2)) \
         ORDER BY i.shelf, i.title_id, i.barcode",
    )
    .bind(branch)
    .bind(&today)
    .fetch_all(state.inner().db.pool())
    .await?;
    let mut out: Vec<PickEntry> = Vec::new();
    let mut taken: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for r in &rows {
        let title_id: i64 = r.try_get("title_id")?;
        let wanted: i64 = r.try_get("wanted")?;
        let n = taken.entry(title_id).or_insert(0);
        if *n >= wanted {
            continue;
        }
        *n += 1;
        out.push(PickEntry {
            title_id,
            title: r.try_get("title")?,
            item_barcode: r.try_get("barcode")?,
            shelf: r.try_get("shelf")?,
        });
    }
    Ok(out)
}
