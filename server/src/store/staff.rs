//! The staff console's tables (`migrations/*/0005_staff.sql`): staff
//! accounts with Argon2id PHC strings, server-side sessions stored as
//! SHA-256 hashes of their tokens, login throttling per typed user name, and
//! the audit log of staff access to patron records (never titles).

use sqlx::{AnyConnection, Row};

/// A staff account as the login needs it.
#[derive(Clone)]
pub(crate) struct StaffUserRow {
    pub(crate) id: String,
    pub(crate) username: String,
    /// The Argon2id PHC string (a hash, but still not for logs).
    pub(crate) password_hash: String,
    pub(crate) role: String,
}

impl std::fmt::Debug for StaffUserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffUserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A staff account as the accounts page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StaffListing {
    pub(crate) username: String,
    pub(crate) role: String,
    pub(crate) created_at: i64,
    pub(crate) password_set_at: i64,
}

pub(crate) async fn insert_user(
    conn: &mut AnyConnection,
    user: &StaffUserRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_users (id, username, password_hash, role, created_at, password_set_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.password_hash)
    .bind(&user.role)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn user_by_name(
    db: impl sqlx::AnyExecutor<'_>,
    username: &str,
) -> Result<Option<StaffUserRow>, sqlx::Error> {
    sqlx::query("SELECT id, username, password_hash, role FROM staff_users WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?
        .map(|r| {
            Ok(StaffUserRow {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                password_hash: r.try_get("password_hash")?,
                role: r.try_get("role")?,
            })
        })
        .transpose()
}

/// Replace a password hash and end every session of the account. Returns
/// whether the account exists.
pub(crate) async fn set_password(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE staff_users SET password_hash = $1, password_set_at = $2 WHERE username = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(username)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM staff_sessions WHERE staff_id IN \
         (SELECT id FROM staff_users WHERE username = $1)",
    )
    .bind(username)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Replace the hash of the same password with one made at the current
/// cost (after a good login); sessions stay.
pub(crate) async fn upgrade_password_hash(
    conn: &mut AnyConnection,
    staff_id: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff_users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(staff_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn list_users(
    db: impl sqlx::AnyExecutor<'_>,
) -> Result<Vec<StaffListing>, sqlx::Error> {
    sqlx::query(
        "SELECT username, role, created_at, password_set_at FROM staff_users ORDER BY username",
    )
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(StaffListing {
            username: r.try_get("username")?,
            role: r.try_get("role")?,
            created_at: r.try_get("created_at")?,
            password_set_at: r.try_get("password_set_at")?,
        })
    })
    .collect()
}

/// Failed logins of one typed user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Throttle {
    /// Failures since `window_start`.
    pub(crate) failures: i64,
    /// When the counted failures began.
    pub(crate) window_start: i64,
    /// Locked until this time (0: not locked).
    pub(crate) locked_until: i64,
}

pub(crate) async fn throttle(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<Throttle>, sqlx::Error> {
    sqlx::query(
        "SELECT failures, window_start, locked_until FROM staff_login_throttle WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(conn)
    .await?
    .map(|r| {
        Ok(Throttle {
            failures: r.try_get("failures")?,
            window_start: r.try_get("window_start")?,
            locked_until: r.try_get("locked_until")?,
        })
    })
    .transpose()
}

pub(crate) async fn put_throttle(
    conn: &mut AnyConnection,
    username: &str,
    t: Throttle,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_login_throttle WHERE username = $1")
        .bind(username)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO staff_login_throttle (username, failures, window_start, locked_until) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(username)
    .bind(t.failures)
    .bind(t.window_start)
    .bind(t.locked_until)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn clear_throttle(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_login_throttle WHERE username = $1")
        .bind(username)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forget throttle rows whose window and lock both ended before `before`.
pub(crate) async fn purge_throttle(
    conn: &mut AnyConnection,
    before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_login_throttle WHERE window_start < $1 AND locked_until < $1")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(())
}

/// A live session and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRow {
    pub(crate) staff_id: String,
    pub(crate) username: String,
    pub(crate) role: String,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
}

pub(crate) async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &[u8],
    staff_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(token_hash)
    .bind(staff_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session with this token hash, whatever its age (the caller decides).
pub(crate) async fn session(
    db: impl sqlx::AnyExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query(
        "SELECT s.staff_id, u.username, u.role, s.last_seen_at, s.expires_at \
         FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?
    .map(|r| {
        Ok(SessionRow {
            staff_id: r.try_get("staff_id")?,
            username: r.try_get("username")?,
            role: r.try_get("role")?,
            last_seen_at: r.try_get("last_seen_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn touch_session(
    db: impl sqlx::AnyExecutor<'_>,
    token_hash: &[u8],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn delete_session(
    db: impl sqlx::AnyExecutor<'_>,
    token_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Delete sessions past their absolute end or idle since before `idle_before`.
pub(crate) async fn purge_sessions(
    conn: &mut AnyConnection,
    now: i64,
    idle_before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at < $2")
            .bind(now)
            .bind(idle_before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditRow {
    pub(crate) id: i64,
    pub(crate) at: i64,
    pub(crate) staff_username: String,
    pub(crate) action: String,
    pub(crate) patron_id: Option<String>,
    /// The patron's card number while the patron still exists.
    pub(crate) card_number: Option<String>,
    /// A staff account the action was about (account actions).
    pub(crate) subject: Option<String>,
}

pub(crate) async fn audit(
    db: impl sqlx::AnyExecutor<'_>,
    at: i64,
    staff_username: &str,
    action: &str,
    patron_id: Option<&str>,
    subject: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_audit (at, staff_username, action, patron_id, subject) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(staff_username)
    .bind(action)
    .bind(patron_id)
    .bind(subject)
    .execute(db)
    .await?;
    Ok(())
}

/// The newest `limit` audit rows, newest first.
/// Which audit rows to show: newest first, optionally only about the patron
/// with one card number, starting below a `(at, id)` cursor.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditQuery {
    pub(crate) card_number: Option<String>,
    pub(crate) before: Option<(i64, i64)>,
    pub(crate) limit: i64,
}

pub(crate) async fn audit_log(
    db: impl sqlx::AnyExecutor<'_>,
    q: &AuditQuery,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    // One statement for every combination: an absent filter binds NULL.
    let (before_at, before_id) = q.before.unzip();
    sqlx::query(
        "SELECT a.id, a.at, a.staff_username, a.action, a.patron_id, p.card_number, a.subject \
         FROM staff_audit a LEFT JOIN patrons p ON p.id = a.patron_id \
         WHERE ($1 IS NULL OR p.card_number = $1) \
         AND ($2 IS NULL OR a.at < $2 OR (a.at = $2 AND a.id < $3)) \
         ORDER BY a.at DESC, a.id DESC LIMIT $4",
    )
    .bind(q.card_number.as_deref())
    .bind(before_at)
    .bind(before_id)
    .bind(q.limit)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(AuditRow {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            staff_username: r.try_get("staff_username")?,
            action: r.try_get("action")?,
            patron_id: r.try_get("patron_id")?,
            card_number: r.try_get("card_number")?,
            subject: r.try_get("subject")?,
        })
    })
    .collect()
}

/// Delete audit rows older than `before`.
pub(crate) async fn purge_audit(conn: &mut AnyConnection, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM staff_audit WHERE at < $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}

/// What the return desk shows about a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemInfo {
    pub(crate) title: String,
    pub(crate) branch: String,
    pub(crate) shelf: Option<String>,
    pub(crate) status: String,
}

pub(crate) async fn item_info(
    db: impl sqlx::AnyExecutor<'_>,
    barcode: &str,
) -> Result<Option<ItemInfo>, sqlx::Error> {
    sqlx::query(
        "SELECT t.title, i.branch, i.shelf, i.status FROM items i \
         JOIN titles t ON t.id = i.title_id WHERE i.barcode = $1",
    )
    .bind(barcode)
    .fetch_optional(db)
    .await?
    .map(|r| {
        Ok(ItemInfo {
            title: r.try_get("title")?,
            branch: r.try_get("branch")?,
            shelf: r.try_get("shelf")?,
            status: r.try_get("status")?,
        })
    })
    .transpose()
}

/// A patron's library card number (digits).
pub(crate) async fn card_number_of(
    db: impl sqlx::AnyExecutor<'_>,
    patron_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT card_number FROM patrons WHERE id = $1")
        .bind(patron_id)
        .fetch_optional(db)
        .await?
        .map(|r| r.try_get("card_number"))
        .transpose()
}
