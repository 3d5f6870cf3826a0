//! The `holds` table.
//!
//! A title's queue is ordered by `queue_seq`, which is `MAX + 1` per title
//! inside a serialized write transaction and never reused (a unique index
//! backs it up). A patron's position is derived, not stored: the number of
//! queued holds on the title with a `queue_seq` up to theirs. So a
//! cancellation closes the gap without renumbering anything, and concurrent
//! placements cannot produce a gap or a duplicate.

use shiori_core::api::{HoldState, UnknownHoldState};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// A state as the `holds.state` TEXT column stores it. With
/// [`state_from_db`], the only place a hold state meets its text.
pub(crate) fn state_to_db(state: HoldState) -> &'static str {
    state.as_str()
}

/// The `holds.state` TEXT column read back: a text that names no state is
/// an error, never a panic.
pub(crate) fn state_from_db(text: &str) -> Result<HoldState, UnknownHoldState> {
    text.parse()
}

/// An SQL list of the states `which` selects, as `('queued', 'ready')`
/// (constant texts from the enum, so no binding is needed).
fn states_sql(which: impl Fn(HoldState) -> bool) -> String {
    let texts: Vec<String> = HoldState::ALL
        .into_iter()
        .filter(|s| which(*s))
        .map(|s| format!("'{}'", state_to_db(s)))
        .collect();
    format!("({})", texts.join(", "))
}

/// Open states, `('queued', 'in_transit', 'ready')`: the hold still wants
/// (or holds) a copy ([`HoldState::is_open`]).
pub(crate) fn open_states_sql() -> String {
    states_sql(HoldState::is_open)
}

/// States with a copy attached, `('in_transit', 'ready')`
/// ([`HoldState::has_item`]).
fn item_states_sql() -> String {
    states_sql(HoldState::has_item)
}

/// A hold with its title's text.
#[derive(Debug, Clone)]
pub(crate) struct HoldRow {
    pub(crate) id: String,
    pub(crate) patron_id: String,
    pub(crate) title_id: i64,
    pub(crate) title: String,
    pub(crate) pickup_branch: String,
    pub(crate) queue_seq: i64,
    pub(crate) state: HoldState,
    pub(crate) suspended_until: Option<String>,
    pub(crate) item_barcode: Option<String>,
    pub(crate) pickup_deadline: Option<i64>,
    pub(crate) created_at: i64,
}

const SELECT: &str =
    "SELECT h.id, h.patron_id, h.title_id, t.title, h.pickup_branch, h.queue_seq, \
     h.state, h.suspended_until, h.item_barcode, h.pickup_deadline, h.created_at \
     FROM holds h JOIN titles t ON t.id = h.title_id";

fn from_row(r: &AnyRow) -> Result<HoldRow, sqlx::Error> {
    Ok(HoldRow {
        id: r.try_get("id")?,
        patron_id: r.try_get("patron_id")?,
        title_id: r.try_get("title_id")?,
        title: r.try_get("title")?,
        pickup_branch: r.try_get("pickup_branch")?,
        queue_seq: r.try_get("queue_seq")?,
        state: state_from_db(&r.try_get::<String, _>("state")?).map_err(|e| {
            sqlx::Error::ColumnDecode {
                index: "state".into(),
                source: Box::new(e),
            }
        })?,
        suspended_until: r.try_get("suspended_until")?,
        item_barcode: r.try_get("item_barcode")?,
        pickup_deadline: r.try_get("pickup_deadline")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Open holds of a patron.
pub(crate) async fn open_count(
    conn: &mut AnyConnection,
    patron_id: &str,
) -> Result<i64, sqlx::Error> {
    let open = open_states_sql();
    sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM holds WHERE patron_id = $1 AND state IN {open}"
    ))
    .bind(patron_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")
}

/// The patron's open hold on a title, if any.
pub(crate) async fn open_on_title(
    conn: &mut AnyConnection,
    patron_id: &str,
    title_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let open = open_states_sql();
    sqlx::query(&format!(
        "SELECT id FROM holds WHERE patron_id = $1 AND title_id = $2 AND state IN {open}"
    ))
    .bind(patron_id)
    .bind(title_id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get("id"))
    .transpose()
}

/// The next queue number of a title.
pub(crate) async fn next_seq(conn: &mut AnyConnection, title_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(queue_seq), 0) + 1 AS next FROM holds WHERE title_id = $1")
        .bind(title_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("next")
}

/// A new queued hold.
pub(crate) struct NewHold<'a> {
    pub(crate) id: &'a str,
    pub(crate) patron_id: &'a str,
    pub(crate) title_id: i64,
    pub(crate) pickup_branch: &'a str,
    pub(crate) queue_seq: i64,
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    h: &NewHold<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO holds (id, patron_id, title_id, pickup_branch, queue_seq, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(h.id)
    .bind(h.patron_id)
    .bind(h.title_id)
    .bind(h.pickup_branch)
    .bind(h.queue_seq)
    .bind(state_to_db(HoldState::Queued))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn get(
    db: impl sqlx::AnyExecutor<'_>,
    id: &str,
) -> Result<Option<HoldRow>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// 1-based place among the title's queued holds (suspended ones included:
/// they keep their place and are skipped when a copy is trapped).
pub(crate) async fn position(
    db: impl sqlx::AnyExecutor<'_>,
    title_id: i64,
    queue_seq: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM holds WHERE title_id = $1 AND state = $2 \
         AND queue_seq <= $3",
    )
    .bind(title_id)
    .bind(state_to_db(HoldState::Queued))
    .bind(queue_seq)
    .fetch_one(db)
    .await?
    .try_get("n")
}

/// A patron's holds: open ones in queue order, then closed ones, newest first.
pub(crate) async fn of_patron(db: &AnyPool, patron_id: &str) -> Result<Vec<HoldRow>, sqlx::Error> {
    let open = open_states_sql();
    sqlx::query(&format!(
        "{SELECT} WHERE h.patron_id = $1 \
         ORDER BY CASE WHEN h.state IN {open} THEN 0 ELSE 1 END, h.created_at, h.id"
    ))
    .bind(patron_id)
    .fetch_all(db)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The first queued hold on a title that may be served on `today`
/// (`YYYY-MM-DD`): not suspended beyond today.
pub(crate) async fn first_eligible(
    conn: &mut AnyConnection,
    title_id: i64,
    today: &str,
) -> Result<Option<HoldRow>, sqlx::Error> {
    sqlx::query(&format!(
        "{SELECT} WHERE h.title_id = $1 AND h.state = $2 \
         AND (h.suspended_until IS NULL OR h.suspended_until <= $3) \
         ORDER BY h.queue_seq LIMIT 1"
    ))
    .bind(title_id)
    .bind(state_to_db(HoldState::Queued))
    .bind(today)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The open hold a copy is set aside or travelling for.
pub(crate) async fn holding_item(
    conn: &mut AnyConnection,
    barcode: &str,
) -> Result<Option<HoldRow>, sqlx::Error> {
    let with_item = item_states_sql();
    sqlx::query(&format!(
        "{SELECT} WHERE h.item_barcode = $1 AND h.state IN {with_item}"
    ))
    .bind(barcode)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Attach a copy: `ready` with a deadline, or `in_transit` to the pickup branch.
pub(crate) async fn attach_item(
    conn: &mut AnyConnection,
    id: &str,
    barcode: &str,
    state: HoldState,
    now: i64,
    pickup_deadline: Option<i64>,
) -> Result<(), sqlx::Error> {
    debug_assert!(state.has_item(), "attach_item to a {state} hold");
    sqlx::query(
        "UPDATE holds SET state = $1, item_barcode = $2, ready_at = $3, pickup_deadline = $4 \
         WHERE id = $5",
    )
    .bind(state_to_db(state))
    .bind(barcode)
    .bind((state == HoldState::Ready).then_some(now))
    .bind(pickup_deadline)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Close a hold (`filled`, `cancelled`, `pickup_expired`).
pub(crate) async fn close(
    conn: &mut AnyConnection,
    id: &str,
    state: HoldState,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    debug_assert!(!state.is_open(), "close a hold as {state}");
    sqlx::query("UPDATE holds SET state = $1, close_reason = $2, closed_at = $3 WHERE id = $4")
        .bind(state_to_db(state))
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn set_suspension(
    conn: &mut AnyConnection,
    id: &str,
    until: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE holds SET suspended_until = $1 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ready holds whose pickup deadline passed before `now`.
pub(crate) async fn overdue_pickups(
    conn: &mut AnyConnection,
    now: i64,
) -> Result<Vec<HoldRow>, sqlx::Error> {
    sqlx::query(&format!(
        "{SELECT} WHERE h.state = $1 AND h.pickup_deadline < $2 ORDER BY h.pickup_deadline"
    ))
    .bind(state_to_db(HoldState::Ready))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Delete holds closed before `cutoff` (no history is kept).
pub(crate) async fn purge_closed(
    conn: &mut AnyConnection,
    cutoff: i64,
) -> Result<u64, sqlx::Error> {
    let open = open_states_sql();
    Ok(sqlx::query(&format!(
        "DELETE FROM holds WHERE state NOT IN {open} AND closed_at < $1"
    ))
    .bind(cutoff)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Open holds of a patron that have a copy attached (for account deletion).
pub(crate) async fn with_items_of_patron(
    conn: &mut AnyConnection,
    patron_id: &str,
) -> Result<Vec<HoldRow>, sqlx::Error> {
    let with_item = item_states_sql();
    sqlx::query(&format!(
        "{SELECT} WHERE h.patron_id = $1 AND h.state IN {with_item}"
    ))
    .bind(patron_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_the_text_column() {
        let mut texts = std::collections::HashSet::new();
        for state in HoldState::ALL {
            let text = state_to_db(state);
            assert!(texts.insert(text), "{text} twice");
            assert_eq!(state_from_db(text), Ok(state));
        }
        assert_eq!(texts.len(), 6);
    }

    #[test]
    fn unknown_text_in_the_column_is_a_typed_error() {
        for text in ["", "Queued", "open", "in transit", "ready "] {
            assert_eq!(
                state_from_db(text),
                Err(UnknownHoldState(text.to_owned())),
                "{text:?}"
            );
        }
    }

    /// The SQL lists match the migrations' partial indexes (one open hold
    /// per patron and title, one hold per copy), which name them as text.
    #[test]
    fn state_lists_match_the_migrations() {
        assert_eq!(open_states_sql(), "('queued', 'in_transit', 'ready')");
        assert_eq!(item_states_sql(), "('in_transit', 'ready')");
        for migration in [
            include_str!("../../migrations/sqlite/0002_catalogue_holds.sql"),
            include_str!("../../migrations/postgres/0002_catalogue_holds.sql"),
        ] {
            assert!(migration.contains(&format!("WHERE state IN {};", open_states_sql())));
            assert!(migration.contains(&format!("WHERE state IN {};", item_states_sql())));
            let all = states_sql(|_| true);
            assert!(
                migration.contains(&format!("CHECK (state IN {all})")),
                "{all}"
            );
        }
    }
}
