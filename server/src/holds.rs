//! Holds (reservations): what patrons do through the API, and what the desk
//! does when a copy turns up. State machine and comparison with Koha and
//! FOLIO: `docs/holds.md`.
//!
//! ```text
//! queued ──trap (copy at pickup branch)──▶ ready ──checkout──▶ filled
//!   │  └──trap (copy elsewhere)──▶ in_transit ──receive──▶ ready
//!   │                                   │                  │
//!   └──cancel──▶ cancelled ◀──cancel────┴──────────────────┤
//!                                        deadline passed ──▶ pickup_expired
//! ```
//!
//! Checking out any copy of the title fills the patron's own open hold from
//! any open state (`fill_on_checkout`; `docs/holds.md`, "Circulation").
//!
//! Every change runs in one serialized write transaction
//! (`store::begin_write`), so a title's queue stays consistent under
//! concurrent placements, cancellations and trapping. When a hold holding a
//! copy closes (cancelled, expired, patron deleted), the copy passes to the
//! next eligible hold at once, or goes back on the shelf.
//!
//! Whenever a hold becomes ready, its "ready for pickup" notice is queued in
//! the same transaction (`notify`); the sweep queues "deadline soon" ones.
//!
//! Library days are Japan's: dates and pickup deadlines are in JST (UTC+9,
//! no daylight saving); a deadline is the end (23:59:59) of the last day.

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use shiori_core::api::{Hold, HoldRequest, HoldState};
use sqlx::AnyConnection;

use crate::error::ApiErrorResponse;
use crate::notify;
use crate::state::AppState;
use crate::store::catalogue as cat;
use crate::store::holds::{self, HoldRow};
use crate::store::outbox;
use crate::store::{self};
use crate::time_fmt::rfc3339;

/// Japan Standard Time, in seconds east of UTC.
const JST: i64 = 9 * 3600;
const DAY: i64 = 86_400;

/// The library day (`YYYY-MM-DD`, JST) of a unix time.
pub fn library_date(unix: i64) -> String {
    let days = (unix + JST).div_euclid(DAY);
    match time::OffsetDateTime::from_unix_timestamp(days * DAY) {
        Ok(t) => {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        }
        Err(_) => "9999-12-31".to_owned(),
    }
}

/// The last second (JST) of the day `days` library days after `unix`'s day.
pub(crate) fn end_of_day_after(unix: i64, days: u32) -> i64 {
    let day = (unix + JST).div_euclid(DAY) + i64::from(days);
    (day + 1) * DAY - 1 - JST
}

/// Parse a `YYYY-MM-DD` date.
fn parse_date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).ok()
}

/// `item_not_found` (404): no copy has this barcode.
pub(crate) fn item_not_found() -> ApiErrorResponse {
    ApiErrorResponse::new(
        StatusCode::NOT_FOUND,
        "item_not_found",
        "no copy has this barcode",
    )
}

fn not_found() -> ApiErrorResponse {
    ApiErrorResponse::new(StatusCode::NOT_FOUND, "hold_not_found", "no such hold")
}

/// A hold as the API shows it, with its queue position while queued.
async fn to_api(db: impl sqlx::AnyExecutor<'_>, h: &HoldRow) -> Result<Hold, ApiErrorResponse> {
    let position = if h.state == HoldState::Queued {
        u32::try_from(holds::position(db, h.title_id, h.queue_seq).await?).ok()
    } else {
        None
    };
    Ok(api_hold(h, position))
}

fn api_hold(h: &HoldRow, position: Option<u32>) -> Hold {
    Hold {
        id: h.id.clone(),
        title_id: h.title_id,
        title: h.title.clone(),
        pickup_branch: h.pickup_branch.clone(),
        state: h.state,
        position,
        suspended_until: h.suspended_until.clone(),
        pickup_deadline: h.pickup_deadline.map(rfc3339),
        created_at: rfc3339(h.created_at),
    }
}

/// Place a hold for `patron_id`.
pub(crate) async fn place(
    state: &AppState,
    patron_id: &str,
    req: &HoldRequest,
) -> Result<Hold, ApiErrorResponse> {
    let inner = state.inner();
    let now = state.now();
    let mut tx = store::begin_write(&inner.db).await?;
    match cat::copies_of(&mut tx, req.title_id).await? {
        None => {
            return Err(ApiErrorResponse::new(
                StatusCode::NOT_FOUND,
                "title_not_found",
                "no such title",
            ))
        }
        Some(0) => {
            return Err(ApiErrorResponse::unprocessable(
                "no_items",
                "the library has no copy of this title to reserve",
            ))
        }
        Some(_) => {}
    }
    if cat::branch(&mut *tx, &req.pickup_branch).await?.is_none() {
        return Err(ApiErrorResponse::unprocessable(
            "unknown_branch",
            format!("there is no branch {:?}", req.pickup_branch),
        ));
    }
    if holds::open_on_title(&mut tx, patron_id, req.title_id)
        .await?
        .is_some()
    {
        return Err(ApiErrorResponse::new(
            StatusCode::CONFLICT,
            "hold_exists",
            "you already have a hold on this title",
        ));
    }
    let limit = inner.config.holds.max_open_per_patron;
    if holds::open_count(&mut tx, patron_id).await? >= i64::from(limit) {
        return Err(ApiErrorResponse::new(
            StatusCode::CONFLICT,
            "hold_limit_reached",
            format!("you may have at most {limit} holds at a time"),
        ));
    }
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    let seq = holds::next_seq(&mut tx, req.title_id).await?;
    holds::insert(
        &mut tx,
        &holds::NewHold {
            id: &id,
            patron_id,
            title_id: req.title_id,
            pickup_branch: &req.pickup_branch,
            queue_seq: seq,
        },
        now,
    )
    .await?;
    let row = holds::get(&mut *tx, &id)
        .await?
        .ok_or_else(|| ApiErrorResponse::internal("hold vanished inside its transaction"))?;
    let hold = to_api(&mut *tx, &row).await?;
    tx.commit().await?;
    Ok(hold)
}

/// The patron's holds.
pub(crate) async fn list(state: &AppState, patron_id: &str) -> Result<Vec<Hold>, ApiErrorResponse> {
    let db = state.inner().db.pool();
    let rows = holds::of_patron(db, patron_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for h in &rows {
        out.push(to_api(db, h).await?);
    }
    Ok(out)
}

/// Load a hold of this patron inside a write transaction (another
/// patron's hold is "not found", not "forbidden": ids reveal nothing).
async fn own_hold(
    conn: &mut AnyConnection,
    patron_id: &str,
    id: &str,
) -> Result<HoldRow, ApiErrorResponse> {
    match holds::get(&mut *conn, id).await? {
        Some(h) if h.patron_id == patron_id => Ok(h),
        _ => Err(not_found()),
    }
}

fn closed_conflict(h: &HoldRow) -> ApiErrorResponse {
    ApiErrorResponse::new(
        StatusCode::CONFLICT,
        "hold_closed",
        format!("the hold is already {}", h.state),
    )
}

/// Cancel a hold. A copy it held passes to the next hold.
pub(crate) async fn cancel(
    state: &AppState,
    patron_id: &str,
    id: &str,
) -> Result<Hold, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let h = own_hold(&mut tx, patron_id, id).await?;
    if !h.state.is_open() {
        return Err(closed_conflict(&h));
    }
    holds::close(&mut tx, id, HoldState::Cancelled, "patron", now).await?;
    if let Some(barcode) = &h.item_barcode {
        pass_on(&mut tx, barcode, now).await?;
    }
    let row = holds::get(&mut *tx, id).await?.ok_or_else(not_found)?;
    let hold = to_api(&mut *tx, &row).await?;
    tx.commit().await?;
    Ok(hold)
}

/// Suspend a queued hold until a date (`None` resumes it).
pub(crate) async fn suspend(
    state: &AppState,
    patron_id: &str,
    id: &str,
    until: Option<&str>,
) -> Result<Hold, ApiErrorResponse> {
    let now = state.now();
    if let Some(until) = until {
        let date = parse_date(until).ok_or_else(|| {
            ApiErrorResponse::bad_request("invalid_date", "until must be a date YYYY-MM-DD")
        })?;
        let today = parse_date(&library_date(now))
            .ok_or_else(|| ApiErrorResponse::internal("today is not a date"))?;
        if date <= today || (date - today).whole_days() > 366 {
            return Err(ApiErrorResponse::unprocessable(
                "invalid_date",
                "until must be after today and within a year",
            ));
        }
    }
    let mut tx = store::begin_write(&state.inner().db).await?;
    let h = own_hold(&mut tx, patron_id, id).await?;
    if h.state != HoldState::Queued {
        return Err(ApiErrorResponse::new(
            StatusCode::CONFLICT,
            "hold_not_queued",
            "only a hold that is still waiting in the queue can be suspended or resumed",
        ));
    }
    holds::set_suspension(&mut tx, id, until).await?;
    let row = holds::get(&mut *tx, id).await?.ok_or_else(not_found)?;
    let hold = to_api(&mut *tx, &row).await?;
    tx.commit().await?;
    Ok(hold)
}

/// What happened to a copy the desk handed to the hold system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Trapped {
    /// Set aside on the hold shelf for the hold `hold_id` of `patron_id`.
    Ready {
        /// The hold now ready.
        hold_id: String,
        /// Whose it is.
        patron_id: String,
        /// Collect before this (unix seconds).
        pickup_deadline: i64,
    },
    /// Sent to the pickup branch for the hold `hold_id`.
    InTransit {
        /// The hold the copy travels for.
        hold_id: String,
        /// Where to send it.
        to_branch: String,
    },
    /// No eligible hold: the copy goes back on the shelf.
    Shelved,
}

/// Give `barcode` (status `available`, just returned or found on the shelf)
/// to the first eligible hold of its title, or leave it on the shelf.
pub(crate) async fn pass_on(
    conn: &mut AnyConnection,
    barcode: &str,
    now: i64,
) -> Result<Trapped, ApiErrorResponse> {
    let item = cat::item(&mut *conn, barcode)
        .await?
        .ok_or_else(item_not_found)?;
    let today = library_date(now);
    let Some(hold) = holds::first_eligible(&mut *conn, item.title_id, &today).await? else {
        cat::set_item_status(&mut *conn, barcode, "available").await?;
        return Ok(Trapped::Shelved);
    };
    if hold.pickup_branch == item.branch {
        let deadline = pickup_deadline(conn, &hold.pickup_branch, now).await?;
        holds::attach_item(
            &mut *conn,
            &hold.id,
            barcode,
            HoldState::Ready,
            now,
            Some(deadline),
        )
        .await?;
        cat::set_item_status(&mut *conn, barcode, "on_hold_shelf").await?;
        notify::enqueue_hold_ready(&mut *conn, &hold.id, now).await?;
        Ok(Trapped::Ready {
            hold_id: hold.id,
            patron_id: hold.patron_id,
            pickup_deadline: deadline,
        })
    } else {
        holds::attach_item(
            &mut *conn,
            &hold.id,
            barcode,
            HoldState::InTransit,
            now,
            None,
        )
        .await?;
        cat::set_item_status(&mut *conn, barcode, "in_transit").await?;
        Ok(Trapped::InTransit {
            hold_id: hold.id,
            to_branch: hold.pickup_branch,
        })
    }
}

async fn pickup_deadline(
    conn: &mut AnyConnection,
    branch: &str,
    now: i64,
) -> Result<i64, ApiErrorResponse> {
    let days = cat::branch(&mut *conn, branch)
        .await?
        .map(|b| b.pickup_days)
        .unwrap_or(7);
    Ok(end_of_day_after(now, days))
}

/// The desk scanned a copy that is back (returned, or found on the shelf
/// for the pick list): trap it for the first eligible hold of its title.
/// A copy already set aside or travelling for a hold is left alone.
pub async fn trap_item(state: &AppState, barcode: &str) -> Result<Trapped, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let item = cat::item(&mut tx, barcode)
        .await?
        .ok_or_else(item_not_found)?;
    if let Some(h) = holds::holding_item(&mut tx, barcode).await? {
        return Err(ApiErrorResponse::new(
            StatusCode::CONFLICT,
            "item_already_trapped",
            format!("the copy is already {} for a hold ({})", h.state, h.id),
        ));
    }
    if item.status == "missing" {
        return Err(ApiErrorResponse::unprocessable(
            "item_missing",
            "the copy is marked missing; mark it found first",
        ));
    }
    let outcome = pass_on(&mut tx, barcode, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A copy in transit arrived at its pickup branch: the hold becomes ready.
pub async fn receive_transit(state: &AppState, barcode: &str) -> Result<Trapped, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let hold = match holds::holding_item(&mut tx, barcode).await? {
        Some(h) if h.state == HoldState::InTransit => h,
        _ => {
            return Err(ApiErrorResponse::new(
                StatusCode::CONFLICT,
                "not_in_transit",
                "this copy is not travelling for a hold",
            ))
        }
    };
    let deadline = pickup_deadline(&mut tx, &hold.pickup_branch, now).await?;
    holds::attach_item(
        &mut tx,
        &hold.id,
        barcode,
        HoldState::Ready,
        now,
        Some(deadline),
    )
    .await?;
    cat::set_item_status(&mut tx, barcode, "on_hold_shelf").await?;
    notify::enqueue_hold_ready(&mut tx, &hold.id, now).await?;
    tx.commit().await?;
    Ok(Trapped::Ready {
        hold_id: hold.id,
        patron_id: hold.patron_id,
        pickup_deadline: deadline,
    })
}

/// What an expiry sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Ready holds whose pickup deadline passed, now `pickup_expired`.
    pub expired: Vec<String>,
    /// Where their copies went, in the same order.
    pub passed_on: Vec<Trapped>,
    /// Closed holds deleted after the retention period.
    pub purged: u64,
    /// "Pickup deadline soon" notices queued.
    pub deadline_notices: u64,
}

/// Expire uncollected holds (their copies pass to the next hold or back to
/// the shelf), queue "pickup deadline soon" notices for ready holds near
/// their deadline (once per hold), and delete closed holds past the
/// retention period with their unsent notices.
pub async fn sweep(state: &AppState) -> Result<Sweep, ApiErrorResponse> {
    let now = state.now();
    let config = &state.inner().config;
    let retention = i64::from(config.holds.closed_retention_days) * DAY;
    let mut tx = store::begin_write(&state.inner().db).await?;
    let mut out = Sweep::default();
    for h in holds::overdue_pickups(&mut tx, now).await? {
        holds::close(
            &mut tx,
            &h.id,
            HoldState::PickupExpired,
            "not collected",
            now,
        )
        .await?;
        if let Some(barcode) = &h.item_barcode {
            out.passed_on.push(pass_on(&mut tx, barcode, now).await?);
        }
        out.expired.push(h.id);
    }
    out.deadline_notices =
        notify::enqueue_deadline_soon(&mut tx, now, config.notices.deadline_soon_days).await?;
    out.purged = holds::purge_closed(&mut tx, now - retention).await?;
    outbox::purge(&mut tx, now - notify::SENT_RETENTION_DAYS * DAY).await?;
    tx.commit().await?;
    Ok(out)
}

/// `barcode`, a copy of `title_id`, is being checked out to `patron_id`:
/// their open hold on the title, if any, is filled — queued (suspended or
/// not), or ready / in transit with this copy or another one — as Koha's
/// `MoveReserve` fills the borrower's hold on the record at checkout. A
/// queued hold leaves the queue (those behind move up; positions are
/// derived), so it no longer blocks the patron's renewal. Another copy the
/// hold held passes on at once, as when a hold is cancelled.
pub(crate) async fn fill_on_checkout(
    conn: &mut AnyConnection,
    patron_id: &str,
    title_id: i64,
    barcode: &str,
    now: i64,
) -> Result<(), ApiErrorResponse> {
    let Some(id) = holds::open_on_title(&mut *conn, patron_id, title_id).await? else {
        return Ok(());
    };
    let h = holds::get(&mut *conn, &id).await?.ok_or_else(not_found)?;
    holds::close(&mut *conn, &h.id, HoldState::Filled, "checked out", now).await?;
    if let Some(other) = h.item_barcode.as_deref().filter(|b| *b != barcode) {
        pass_on(&mut *conn, other, now).await?;
    }
    Ok(())
}

/// Before a patron is deleted: copies their holds had go to the next hold.
pub(crate) async fn release_patron(
    conn: &mut AnyConnection,
    patron_id: &str,
    now: i64,
) -> Result<(), ApiErrorResponse> {
    for h in holds::with_items_of_patron(&mut *conn, patron_id).await? {
        holds::close(
            &mut *conn,
            &h.id,
            HoldState::Cancelled,
            "account deleted",
            now,
        )
        .await?;
        if let Some(barcode) = &h.item_barcode {
            pass_on(&mut *conn, barcode, now).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{end_of_day_after, library_date};

    #[test]
    fn library_days_are_jst() {
        // 2026-11-30T14:59:59Z is 23:59:59 JST; a second later it is Dec 1st.
        let t = 1_796_050_799;
        assert_eq!(library_date(t), "2026-11-30");
        assert_eq!(library_date(t + 1), "2026-12-01");
        // Ready on Nov 30th JST with 7 pickup days: until Dec 7th 23:59:59 JST.
        assert_eq!(end_of_day_after(t, 7), t + 7 * 86_400);
        assert_eq!(library_date(end_of_day_after(t, 7)), "2026-12-07");
        assert_eq!(library_date(end_of_day_after(t, 7) + 1), "2026-12-08");
    }
}
