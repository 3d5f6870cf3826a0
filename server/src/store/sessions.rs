//! The `sessions` table: bearer tokens, stored only as SHA-256 hashes.

use sqlx::{AnyConnection, AnyPool, Row};

pub(crate) const SQL_INSERT: &str =
    "INSERT INTO sessions (token_hash, patron_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    token_hash: &[u8],
    patron_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_INSERT)
        .bind(token_hash)
        .bind(patron_id)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The patron of an unexpired session.
pub(crate) async fn patron_of(
    db: &AnyPool,
    token_hash: &[u8],
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row =
        sqlx::query("SELECT patron_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(db)
            .await?;
    row.map(|r| r.try_get("patron_id")).transpose()
}

pub(crate) async fn delete(db: &AnyPool, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// A session as shown in the data export (never the hash).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct SessionInfo {
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
}

pub(crate) async fn list(db: &AnyPool, patron_id: &str) -> Result<Vec<SessionInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT created_at, expires_at FROM sessions WHERE patron_id = $1 ORDER BY created_at",
    )
    .bind(patron_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionInfo {
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}
