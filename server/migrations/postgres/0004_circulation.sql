-- Circulation: loans, loan rules per branch, opt-in reading history.
-- Keep in step with migrations/sqlite/0004_circulation.sql.
-- Privacy (日本図書館協会「図書館の自由に関する宣言」): a loan row links a
-- patron to a copy only while the copy is out; on return the row is
-- deleted. Only a patron who opted in gets a reading_history row, for
-- their own use, and opting out deletes it all.

ALTER TABLE branches ADD COLUMN loan_days BIGINT NOT NULL DEFAULT 14;
ALTER TABLE branches ADD COLUMN max_renewals BIGINT NOT NULL DEFAULT 1;

CREATE TABLE loans (
    id             TEXT PRIMARY KEY NOT NULL,
    patron_id      TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    item_barcode   TEXT NOT NULL REFERENCES items (barcode),
    checked_out_at BIGINT NOT NULL,
    due_at         BIGINT NOT NULL,
    renewals       BIGINT NOT NULL DEFAULT 0
);
-- One loan per copy: a double checkout cannot be stored.
CREATE UNIQUE INDEX loans_item ON loans (item_barcode);
CREATE INDEX loans_patron ON loans (patron_id);

ALTER TABLE patrons ADD COLUMN keep_history BIGINT NOT NULL DEFAULT 0;

CREATE TABLE reading_history (
    patron_id   TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    title_id    BIGINT NOT NULL REFERENCES titles (id),
    returned_on TEXT NOT NULL
);
CREATE INDEX reading_history_patron ON reading_history (patron_id, returned_on);
