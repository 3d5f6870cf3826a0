-- Notices by email: an outbox that hold changes write to in their own
-- transaction, and that the sender (notify.rs) drains over SMTP with
-- retries, so no notice is lost while the mail server is down.
-- Keep in step with migrations/postgres/0003_notifications.sql.
-- Privacy: a notice names only part of the title, the pickup branch and
-- the deadline date (never the full title, never the patron's name); sent
-- notices are deleted after 7 days, unsent ones when their hold closes, and
-- all of a patron's notices with their account (docs/privacy.md).

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('hold_ready', 'pickup_deadline_soon')),
    patron_id       TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    -- Not a foreign key: closed holds are purged on their own schedule.
    hold_id         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- Due time; also the claim: a sender moves it past now (a lease) before
    -- sending, so two server instances never send the same notice.
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER
);
-- One notice per hold and kind.
CREATE UNIQUE INDEX outbox_hold_kind ON outbox (hold_id, kind);
-- What is due: unsent (sent_at IS NULL) by due time.
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
CREATE INDEX outbox_patron ON outbox (patron_id);
