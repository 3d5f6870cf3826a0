-- How many titles carry each search term, so a search starts from its
-- rarest term (docs/holds.md, "Search"). Rebuilt after every catalogue
-- import; stale counts only make a search slower, never wrong.
-- Keep in step with migrations/sqlite/0006_term_stats.sql.
CREATE TABLE term_stats (
    term   TEXT PRIMARY KEY NOT NULL,
    titles BIGINT NOT NULL
);
INSERT INTO term_stats (term, titles) SELECT term, COUNT(*) FROM title_terms GROUP BY term;
