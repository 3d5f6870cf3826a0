-- Shiori's first schema on PostgreSQL: the same tables, columns and
-- constraints as migrations/sqlite/0001_patrons.sql (keep them in step).
-- Times are unix seconds (UTC) in BIGINT.
-- Privacy: the 4 basic facts, contact details, the library card number and
-- certificate serials/fingerprints only. No certificate DER, no individual
-- number (マイナンバー), no session token (only its SHA-256).

CREATE TABLE challenges (
    id          TEXT PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
    nonce       BYTEA NOT NULL,
    origin      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX challenges_expires_at ON challenges (expires_at);

-- One row per issued library card number; the primary key is the sequence
-- the number is made from.
CREATE TABLE card_serials (
    serial      BIGINT PRIMARY KEY NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    issued_at   BIGINT NOT NULL
);

CREATE TABLE patrons (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_kana   TEXT,
    address     TEXT NOT NULL,
    birth_date  TEXT NOT NULL,
    gender      TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT,
    home_branch TEXT,
    card_serial BIGINT NOT NULL UNIQUE REFERENCES card_serials (serial),
    card_number TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- The re-registration matching rule (docs/api.md): one patron per
-- name + birth date + gender.
CREATE UNIQUE INDEX patrons_identity ON patrons (name, birth_date, gender);

-- The certificate pairs a patron registered with: the auth certificate's
-- fingerprint finds the patron at login; serials serve revocation.
CREATE TABLE patron_certificates (
    auth_fingerprint    TEXT PRIMARY KEY NOT NULL,
    patron_id           TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    auth_serial         TEXT NOT NULL,
    auth_not_after      BIGINT NOT NULL,
    signing_fingerprint TEXT NOT NULL,
    signing_serial      TEXT NOT NULL,
    signing_not_after   BIGINT NOT NULL,
    created_at          BIGINT NOT NULL
);
CREATE INDEX patron_certificates_patron ON patron_certificates (patron_id);

CREATE TABLE sessions (
    token_hash  BYTEA PRIMARY KEY NOT NULL,
    patron_id   TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_patron ON sessions (patron_id);
