-- Staff console: accounts, server-side sessions, login throttling, and the
-- audit log of staff access to patron records.
-- Keep in step with migrations/postgres/0005_staff.sql.

CREATE TABLE staff_users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    created_at    INTEGER NOT NULL,
    password_set_at INTEGER NOT NULL
);

-- Only the SHA-256 of a session token is stored; the token is in the
-- browser's HttpOnly cookie. expires_at is the absolute end; last_seen_at
-- drives the idle timeout.
CREATE TABLE staff_sessions (
    token_hash   BLOB PRIMARY KEY NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Failed logins per typed user name, whether or not such an account exists
-- (so a lockout looks the same for both).
CREATE TABLE staff_login_throttle (
    username     TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

-- Who opened or changed which patron record, and when; never titles.
-- Names are copied so that the log outlives a deleted account.
CREATE TABLE staff_audit (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    staff_username TEXT NOT NULL,
    action         TEXT NOT NULL,
    patron_id      TEXT,
    subject        TEXT
);
CREATE INDEX staff_audit_at ON staff_audit (at);
