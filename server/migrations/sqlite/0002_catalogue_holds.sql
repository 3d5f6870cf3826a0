-- The catalogue (branches, titles, their search terms, items) and holds.
-- Keep in step with migrations/postgres/0002_catalogue_holds.sql.
-- Privacy: a hold links a patron to a title only while it is open; closed
-- holds are deleted by the expiry sweep after a short grace period
-- (docs/holds.md). No reading history is kept.

CREATE TABLE branches (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT,
    pickup_days INTEGER NOT NULL CHECK (pickup_days BETWEEN 1 AND 60)
);

CREATE TABLE titles (
    id          INTEGER PRIMARY KEY,
    match_key   TEXT NOT NULL UNIQUE,
    isbn        TEXT UNIQUE,
    title       TEXT NOT NULL,
    title_kana  TEXT,
    authors     TEXT NOT NULL,
    publisher   TEXT,
    year        INTEGER,
    subjects    TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Unigrams and bigrams of the normalized search text (core::catalogue).
CREATE TABLE title_terms (
    term     TEXT NOT NULL,
    title_id INTEGER NOT NULL REFERENCES titles (id) ON DELETE CASCADE,
    PRIMARY KEY (term, title_id)
);
CREATE INDEX title_terms_title ON title_terms (title_id);

CREATE TABLE items (
    barcode    TEXT PRIMARY KEY NOT NULL,
    title_id   INTEGER NOT NULL REFERENCES titles (id),
    branch     TEXT NOT NULL REFERENCES branches (code),
    shelf      TEXT,
    status     TEXT NOT NULL CHECK (status IN ('available', 'checked_out', 'in_transit', 'on_hold_shelf', 'missing')),
    created_at INTEGER NOT NULL
);
CREATE INDEX items_title ON items (title_id, status);
CREATE INDEX items_branch_status ON items (branch, status);

CREATE TABLE holds (
    id              TEXT PRIMARY KEY NOT NULL,
    patron_id       TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    title_id        INTEGER NOT NULL REFERENCES titles (id),
    pickup_branch   TEXT NOT NULL REFERENCES branches (code),
    queue_seq       INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'in_transit', 'ready', 'filled', 'cancelled', 'pickup_expired')),
    suspended_until TEXT,
    item_barcode    TEXT REFERENCES items (barcode),
    ready_at        INTEGER,
    pickup_deadline INTEGER,
    created_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    close_reason    TEXT
);
-- A title's queue order; never reused, so positions cannot collide.
CREATE UNIQUE INDEX holds_title_seq ON holds (title_id, queue_seq);
-- One open hold per patron and title.
CREATE UNIQUE INDEX holds_one_open ON holds (patron_id, title_id) WHERE state IN ('queued', 'in_transit', 'ready');
-- One open hold per item.
CREATE UNIQUE INDEX holds_one_per_item ON holds (item_barcode) WHERE state IN ('in_transit', 'ready');
CREATE INDEX holds_title_state ON holds (title_id, state, queue_seq);
CREATE INDEX holds_patron_state ON holds (patron_id, state);
CREATE INDEX holds_state_deadline ON holds (state, pickup_deadline);
