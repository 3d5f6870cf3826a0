//! The `challenges` table: single-use, short-lived nonces.
//!
//! A challenge is read when a proof arrives (to learn its nonce and purpose)
//! and consumed atomically in the transaction that stores the result, with
//! `UPDATE … WHERE used_at IS NULL AND expires_at > now`; when that touches no
//! row, the row is looked up again to tell the caller why.
//!
//! Rows live only until they expire (purged when the next challenge is
//! made), and at most `limits.max_live_challenges` unexpired ones exist.

use shiori_core::proof::ProofPurpose;
use sqlx::{AnyConnection, AnyPool, Row};

/// A stored challenge.
#[derive(Debug, Clone)]
pub(crate) struct ChallengeRow {
    pub(crate) purpose: ProofPurpose,
    pub(crate) nonce: Vec<u8>,
    pub(crate) origin: String,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
}

/// Why a challenge cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Unknown,
    Expired,
    Reused,
}

impl ChallengeRow {
    /// Whether the challenge can still be answered at `now`.
    pub(crate) fn check(&self, now: i64) -> Result<(), Unusable> {
        if self.used_at.is_some() {
            Err(Unusable::Reused)
        } else if self.expires_at <= now {
            Err(Unusable::Expired)
        } else {
            Ok(())
        }
    }
}

fn purpose_str(p: ProofPurpose) -> &'static str {
    match p {
        ProofPurpose::Register => "register",
        ProofPurpose::Login => "login",
    }
}

pub(crate) const SQL_FIND: &str =
    "SELECT purpose, nonce, origin, expires_at, used_at FROM challenges WHERE id = $1";
pub(crate) const SQL_CONSUME: &str =
    "UPDATE challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $3";

/// Store a new challenge unless `cap` unexpired ones exist already; whether
/// it was stored. One statement, so the count and the insert see the same
/// rows on SQLite; on PostgreSQL concurrent inserts may each see the count
/// just below the cap, so the bound can be passed by the number of
/// requests in flight, never more.
pub(crate) async fn insert_below_cap(
    db: &AnyPool,
    id: &str,
    row: &ChallengeRow,
    now: i64,
    cap: u64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO challenges (id, purpose, nonce, origin, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6 \
         WHERE (SELECT COUNT(*) FROM challenges WHERE expires_at > $7) < $8",
    )
    .bind(id)
    .bind(purpose_str(row.purpose))
    .bind(&row.nonce)
    .bind(&row.origin)
    .bind(now)
    .bind(row.expires_at)
    .bind(now)
    .bind(i64::try_from(cap).unwrap_or(i64::MAX))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn find(
    db: impl sqlx::AnyExecutor<'_>,
    id: &str,
) -> Result<Option<ChallengeRow>, sqlx::Error> {
    let row = sqlx::query(SQL_FIND).bind(id).fetch_optional(db).await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let purpose: String = row.try_get("purpose")?;
    Ok(Some(ChallengeRow {
        purpose: purpose_of(&purpose),
        nonce: row.try_get("nonce")?,
        origin: row.try_get("origin")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    }))
}

pub(crate) fn purpose_of(stored: &str) -> ProofPurpose {
    match stored {
        "login" => ProofPurpose::Login,
        _ => ProofPurpose::Register,
    }
}

/// Why a challenge that [`SQL_CONSUME`] did not mark cannot be used.
pub(crate) fn why_unusable(row: Option<ChallengeRow>, now: i64) -> Unusable {
    match row {
        None => Unusable::Unknown,
        Some(row) => row.check(now).err().unwrap_or(Unusable::Reused),
    }
}

/// Mark the challenge used at `now`, or say why it cannot be.
pub(crate) async fn consume(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<Result<(), Unusable>, sqlx::Error> {
    let done = sqlx::query(SQL_CONSUME)
        .bind(now)
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    Ok(Err(why_unusable(find(&mut *conn, id).await?, now)))
}

/// Delete the challenges expired at `now` (`expires_at <= now`: none of
/// them can be answered any more, see [`ChallengeRow::check`]).
pub(crate) async fn purge_expired(db: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}
