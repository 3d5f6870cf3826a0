//! The `loans` and `reading_history` tables, and the patron's history
//! opt-in. A loan row exists only while the copy is out (see the migration's
//! privacy note); `reading_history` only for patrons who opted in.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// A loan with its title.
#[derive(Debug, Clone)]
pub(crate) struct LoanRow {
    pub(crate) id: String,
    pub(crate) patron_id: String,
    pub(crate) title_id: i64,
    pub(crate) title: String,
    pub(crate) item_barcode: String,
    pub(crate) branch: String,
    pub(crate) checked_out_at: i64,
    pub(crate) due_at: i64,
    pub(crate) renewals: i64,
}

const COLUMNS: &str = "l.id, l.patron_id, i.title_id, t.title, l.item_barcode, i.branch, \
     l.checked_out_at, l.due_at, l.renewals";
const FROM: &str = "FROM loans l JOIN items i ON i.barcode = l.item_barcode \
     JOIN titles t ON t.id = i.title_id";

fn from_row(r: &AnyRow) -> Result<LoanRow, sqlx::Error> {
    Ok(LoanRow {
        id: r.try_get("id")?,
        patron_id: r.try_get("patron_id")?,
        title_id: r.try_get("title_id")?,
        title: r.try_get("title")?,
        item_barcode: r.try_get("item_barcode")?,
        branch: r.try_get("branch")?,
        checked_out_at: r.try_get("checked_out_at")?,
        due_at: r.try_get("due_at")?,
        renewals: r.try_get("renewals")?,
    })
}

pub(crate) async fn of_item(
    conn: &mut AnyConnection,
    barcode: &str,
) -> Result<Option<LoanRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE l.item_barcode = $1"
    ))
    .bind(barcode)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(crate) async fn get(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<LoanRow>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE l.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub(crate) async fn of_patron(
    db: impl sqlx::AnyExecutor<'_>,
    patron_id: &str,
) -> Result<Vec<LoanRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE l.patron_id = $1 ORDER BY l.due_at, l.id"
    ))
    .bind(patron_id)
    .fetch_all(db)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub(crate) async fn count_of_patron(
    conn: &mut AnyConnection,
    patron_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM loans WHERE patron_id = $1")
        .bind(patron_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    patron_id: &str,
    barcode: &str,
    now: i64,
    due_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO loans (id, patron_id, item_barcode, checked_out_at, due_at, renewals) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(id)
    .bind(patron_id)
    .bind(barcode)
    .bind(now)
    .bind(due_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn renew(
    conn: &mut AnyConnection,
    id: &str,
    due_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE loans SET due_at = $1, renewals = renewals + 1 WHERE id = $2")
        .bind(due_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM loans WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether the patron opted in to a reading history.
pub(crate) async fn keeps_history(
    db: impl sqlx::AnyExecutor<'_>,
    patron_id: &str,
) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query("SELECT keep_history FROM patrons WHERE id = $1")
        .bind(patron_id)
        .fetch_optional(db)
        .await?
        .map(|r| r.try_get("keep_history"))
        .transpose()?;
    Ok(v == Some(1))
}

/// Opt in or out; opting out deletes the history.
pub(crate) async fn set_keep_history(
    conn: &mut AnyConnection,
    patron_id: &str,
    enabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE patrons SET keep_history = $1 WHERE id = $2")
        .bind(i64::from(enabled))
        .bind(patron_id)
        .execute(&mut *conn)
        .await?;
    if !enabled {
        sqlx::query("DELETE FROM reading_history WHERE patron_id = $1")
            .bind(patron_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn add_history(
    conn: &mut AnyConnection,
    patron_id: &str,
    title_id: i64,
    returned_on: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reading_history (patron_id, title_id, returned_on) VALUES ($1, $2, $3)",
    )
    .bind(patron_id)
    .bind(title_id)
    .bind(returned_on)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// (title id, title, returned on), newest first.
pub(crate) async fn history(
    db: &AnyPool,
    patron_id: &str,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT h.title_id, t.title, h.returned_on FROM reading_history h \
         JOIN titles t ON t.id = h.title_id WHERE h.patron_id = $1 \
         ORDER BY h.returned_on DESC, t.title",
    )
    .bind(patron_id)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("title_id")?,
            r.try_get("title")?,
            r.try_get("returned_on")?,
        ))
    })
    .collect()
}

/// The patron id of a library card number.
pub(crate) async fn patron_by_card(
    db: impl sqlx::AnyExecutor<'_>,
    card_number: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT id FROM patrons WHERE card_number = $1")
        .bind(card_number)
        .fetch_optional(db)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()
}
