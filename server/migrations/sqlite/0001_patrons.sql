-- Shiori's first schema: challenges, patrons, their certificates, library
-- card serials and sessions. Times are unix seconds (UTC).
-- Privacy: the 4 basic facts, contact details, the library card number and
-- certificate serials/fingerprints only. No certificate DER, no individual
-- number (マイナンバー), no session token (only its SHA-256).

CREATE TABLE challenges (
    id          TEXT PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
    nonce       BLOB NOT NULL,
    origin      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX challenges_expires_at ON challenges (expires_at);

-- One row per issued library card number; the primary key is the sequence
-- the number is made from.
CREATE TABLE card_serials (
    serial      INTEGER PRIMARY KEY NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    issued_at   INTEGER NOT NULL
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
    card_serial INTEGER NOT NULL UNIQUE REFERENCES card_serials (serial),
    card_number TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
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
    auth_not_after      INTEGER NOT NULL,
    signing_fingerprint TEXT NOT NULL,
    signing_serial      TEXT NOT NULL,
    signing_not_after   INTEGER NOT NULL,
    created_at          INTEGER NOT NULL
);
CREATE INDEX patron_certificates_patron ON patron_certificates (patron_id);

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY NOT NULL,
    patron_id   TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_patron ON sessions (patron_id);
