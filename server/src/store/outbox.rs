//! The `outbox` table: notices waiting to be mailed, and mailed ones for a
//! week.
//!
//! A row is due while `sent_at IS NULL AND next_attempt_at <= now`. A sender
//! claims a due row by moving `next_attempt_at` past `now` with a
//! conditional `UPDATE` ([`claim`]); only one of several concurrent senders
//! (server instances on one PostgreSQL, or two tasks on one SQLite) sees
//! its update affect the row, so only that one sends it. The claim is a
//! lease: a sender that dies mid-send leaves the row due again when the
//! lease runs out.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// What a notice is about (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// The copy waits on the hold shelf.
    HoldReady,
    /// The pickup deadline is near.
    PickupDeadlineSoon,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::HoldReady => "hold_ready",
            Kind::PickupDeadlineSoon => "pickup_deadline_soon",
        }
    }
}

/// The facts a notice about a ready hold is made of.
#[derive(Debug, Clone)]
pub(crate) struct ReadyHold {
    pub(crate) patron_id: String,
    pub(crate) email: String,
    pub(crate) title: String,
    pub(crate) branch_name: String,
    pub(crate) branch_name_en: Option<String>,
    pub(crate) pickup_deadline: i64,
}

/// The patron's address, the title, the pickup branch and the deadline of
/// a hold that is `ready` (`None` if it is not, or does not exist).
pub(crate) async fn ready_hold(
    conn: &mut AnyConnection,
    hold_id: &str,
) -> Result<Option<ReadyHold>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT h.patron_id, p.email, t.title, b.name AS branch_name, \
         b.name_en AS branch_name_en, h.pickup_deadline \
         FROM holds h JOIN patrons p ON p.id = h.patron_id \
         JOIN titles t ON t.id = h.title_id JOIN branches b ON b.code = h.pickup_branch \
         WHERE h.id = $1 AND h.state = 'ready' AND h.pickup_deadline IS NOT NULL",
    )
    .bind(hold_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(ReadyHold {
            patron_id: r.try_get("patron_id")?,
            email: r.try_get("email")?,
            title: r.try_get("title")?,
            branch_name: r.try_get("branch_name")?,
            branch_name_en: r.try_get("branch_name_en")?,
            pickup_deadline: r.try_get("pickup_deadline")?,
        })
    })
    .transpose()
}

/// A notice to queue.
pub(crate) struct NewNotice<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: Kind,
    pub(crate) patron_id: &'a str,
    pub(crate) hold_id: &'a str,
    pub(crate) recipient: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
}

/// Queue a notice, due at once; a second one of the same kind for the same
/// hold is ignored. Returns whether a row was added.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotice<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO outbox (id, kind, patron_id, hold_id, recipient, subject, body, \
         created_at, next_attempt_at, attempts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 0) \
         ON CONFLICT (hold_id, kind) DO NOTHING",
    )
    .bind(n.id)
    .bind(n.kind.as_str())
    .bind(n.patron_id)
    .bind(n.hold_id)
    .bind(n.recipient)
    .bind(n.subject)
    .bind(n.body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ready holds whose deadline falls in `[now, until]`, that were already
/// ready before that window opened (`ready_before`: their "ready" notice did
/// not just name the deadline), and have no "deadline soon" notice yet.
pub(crate) async fn holds_needing_deadline_notice(
    conn: &mut AnyConnection,
    now: i64,
    until: i64,
    window: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "SELECT h.id FROM holds h \
         WHERE h.state = 'ready' AND h.pickup_deadline >= $1 AND h.pickup_deadline <= $2 \
         AND h.ready_at < h.pickup_deadline - $3 \
         AND NOT EXISTS (SELECT 1 FROM outbox o \
                         WHERE o.hold_id = h.id AND o.kind = 'pickup_deadline_soon') \
         ORDER BY h.pickup_deadline, h.id",
    )
    .bind(now)
    .bind(until)
    .bind(window)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect()
}

/// Ids of due notices, oldest due first.
pub(crate) async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect()
}

/// Claim a due notice until `lease_until`. `false`: another sender has it,
/// or it was sent or deleted meanwhile.
pub(crate) async fn claim(
    pool: &AnyPool,
    id: &str,
    now: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 \
         WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
    )
    .bind(lease_until)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A claimed notice, and whether its hold is still ready (if not, the
/// notice is moot).
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub(crate) id: String,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) attempts: i64,
    pub(crate) hold_ready: bool,
}

fn claimed_from_row(r: &AnyRow) -> Result<Claimed, sqlx::Error> {
    let ready: i64 = r.try_get("hold_ready")?;
    Ok(Claimed {
        id: r.try_get("id")?,
        recipient: r.try_get("recipient")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        attempts: r.try_get("attempts")?,
        hold_ready: ready > 0,
    })
}

/// Load a notice (after [`claim`]).
pub(crate) async fn get(pool: &AnyPool, id: &str) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query(
        "SELECT o.id, o.recipient, o.subject, o.body, o.attempts, \
         (SELECT COUNT(*) FROM holds h WHERE h.id = o.hold_id AND h.state = 'ready') AS hold_ready \
         FROM outbox o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(claimed_from_row)
    .transpose()
}

/// The notice went out.
pub(crate) async fn mark_sent(pool: &AnyPool, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The attempt failed: count it, keep the reason, try again at `retry_at`.
pub(crate) async fn mark_failed(
    pool: &AnyPool,
    id: &str,
    error: &str,
    retry_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 \
         WHERE id = $3",
    )
    .bind(error)
    .bind(retry_at)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Delete one notice.
pub(crate) async fn delete(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM outbox WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Delete notices sent before `sent_before`, and unsent notices whose hold
/// is no longer ready (collected, cancelled, expired or gone: the notice is
/// moot). Returns how many rows went.
pub(crate) async fn purge(conn: &mut AnyConnection, sent_before: i64) -> Result<u64, sqlx::Error> {
    let sent = sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
        .bind(sent_before)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let moot = sqlx::query(
        "DELETE FROM outbox WHERE sent_at IS NULL AND NOT EXISTS \
         (SELECT 1 FROM holds h WHERE h.id = outbox.hold_id AND h.state = 'ready')",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(sent + moot)
}

/// Unsent notices, and how many of those failed at least `failing_after`
/// times.
pub(crate) async fn undelivered(
    pool: &AnyPool,
    failing_after: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS pending, COUNT(CASE WHEN attempts >= $1 THEN 1 END) AS failing \
         FROM outbox WHERE sent_at IS NULL",
    )
    .bind(failing_after)
    .fetch_one(pool)
    .await?;
    Ok((r.try_get("pending")?, r.try_get("failing")?))
}

/// A patron's notice as `GET /me/export` shows it.
#[derive(Debug, Clone)]
pub(crate) struct PatronNotice {
    pub(crate) kind: String,
    pub(crate) recipient: String,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) created_at: i64,
    pub(crate) sent_at: Option<i64>,
    pub(crate) attempts: i64,
}

/// Every notice stored for `patron_id` (queued and recently sent), oldest
/// first.
pub(crate) async fn of_patron(
    pool: &AnyPool,
    patron_id: &str,
) -> Result<Vec<PatronNotice>, sqlx::Error> {
    sqlx::query(
        "SELECT kind, recipient, subject, body, created_at, sent_at, attempts \
         FROM outbox WHERE patron_id = $1 ORDER BY created_at, id",
    )
    .bind(patron_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PatronNotice {
            kind: r.try_get("kind")?,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .collect()
}
