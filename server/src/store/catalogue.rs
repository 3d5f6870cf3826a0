//! The `branches`, `titles`, `title_terms` and `items` tables.
//!
//! Search (docs/holds.md, "Search"): every title's normalized text is indexed
//! as unigrams and bigrams (`core::catalogue::index_terms`). A query word
//! of one character matches its unigram, a longer one all its bigrams, and
//! the candidates are confirmed with `LIKE` on the normalized text, so that
//! one- and two-character Japanese words (猫, 村上) are found without a
//! morphological analyser, with the same SQL on SQLite and PostgreSQL. A
//! word that parses as an ISBN (10 or 13, hyphens or not) matches the ISBN.

use std::collections::HashMap;

use shiori_core::api::{Branch, ItemInfo, TitleSummary};
use shiori_core::catalogue::{index_terms, looks_like_isbn, normalize, query_terms, Isbn13};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::config::BranchConfig;

/// Whether the catalogue has no title yet.
pub(crate) async fn is_empty(db: &AnyPool) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 AS one FROM titles LIMIT 1")
        .fetch_optional(db)
        .await?
        .is_none())
}

/// Write (or update) the configured branches.
pub(crate) async fn sync_branches(
    conn: &mut AnyConnection,
    branches: &[BranchConfig],
) -> Result<(), sqlx::Error> {
    for b in branches {
        sqlx::query(
            "INSERT INTO branches (code, name, name_en, pickup_days, loan_days, max_renewals) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             pickup_days = excluded.pickup_days, loan_days = excluded.loan_days, \
             max_renewals = excluded.max_renewals",
        )
        .bind(&b.code)
        .bind(&b.name)
        .bind(&b.name_en)
        .bind(i64::from(b.pickup_days))
        .bind(i64::from(b.loan_days))
        .bind(i64::from(b.max_renewals))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn branch_from_row(r: &AnyRow) -> Result<Branch, sqlx::Error> {
    let days: i64 = r.try_get("pickup_days")?;
    Ok(Branch {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        name_en: r.try_get("name_en")?,
        pickup_days: u32::try_from(days).unwrap_or(7),
    })
}

pub(crate) async fn branches(db: &AnyPool) -> Result<Vec<Branch>, sqlx::Error> {
    sqlx::query("SELECT code, name, name_en, pickup_days FROM branches ORDER BY code")
        .fetch_all(db)
        .await?
        .iter()
        .map(branch_from_row)
        .collect()
}

pub(crate) async fn branch(
    db: impl sqlx::AnyExecutor<'_>,
    code: &str,
) -> Result<Option<Branch>, sqlx::Error> {
    sqlx::query("SELECT code, name, name_en, pickup_days FROM branches WHERE code = $1")
        .bind(code)
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(branch_from_row)
        .transpose()
}

/// A title as imported.
#[derive(Debug, Clone)]
pub(crate) struct NewTitle<'a> {
    pub(crate) isbn: Option<&'a Isbn13>,
    pub(crate) title: &'a str,
    pub(crate) title_kana: Option<&'a str>,
    pub(crate) authors: &'a [String],
    pub(crate) publisher: Option<&'a str>,
    pub(crate) year: Option<i32>,
    pub(crate) subjects: &'a [String],
}

impl NewTitle<'_> {
    /// The identity a re-import matches on: the ISBN, or the normalized
    /// title, authors, publisher and year of a book without one.
    fn match_key(&self) -> String {
        match self.isbn {
            Some(isbn) => format!("isbn:{isbn}"),
            None => format!(
                "text:{}|{}|{}|{}",
                normalize(self.title),
                normalize(&self.authors.join(" ")),
                normalize(self.publisher.unwrap_or_default()),
                self.year.map(|y| y.to_string()).unwrap_or_default()
            ),
        }
    }
}

/// What a write did to the stored catalogue, for the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Written {
    /// The row was already stored exactly so.
    Unchanged,
    /// A stored title or copy was changed.
    Updated,
    /// A new title or copy was stored.
    Created,
}

/// The fields of a title that an import sets, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TitleFields {
    title: String,
    title_kana: Option<String>,
    authors: Vec<String>,
    publisher: Option<String>,
    year: Option<i32>,
    subjects: Vec<String>,
}

impl TitleFields {
    fn of(t: &NewTitle<'_>) -> TitleFields {
        TitleFields {
            title: t.title.to_owned(),
            title_kana: t.title_kana.map(str::to_owned),
            authors: t.authors.to_vec(),
            publisher: t.publisher.map(str::to_owned),
            year: t.year,
            subjects: t.subjects.to_vec(),
        }
    }

    /// The merge rule of a re-import (docs/holds.md, "Catalogue import"):
    /// a field the new source has replaces the stored one; a field it lacks
    /// (an empty cell, no such MARC field) keeps what is stored.
    fn merged(&self, new: &NewTitle<'_>) -> TitleFields {
        let list = |new: &[String], old: &[String]| {
            if new.is_empty() {
                old.to_vec()
            } else {
                new.to_vec()
            }
        };
        TitleFields {
            title: new.title.to_owned(),
            title_kana: new
                .title_kana
                .map(str::to_owned)
                .or_else(|| self.title_kana.clone()),
            authors: list(new.authors, &self.authors),
            publisher: new
                .publisher
                .map(str::to_owned)
                .or_else(|| self.publisher.clone()),
            year: new.year.or(self.year),
            subjects: list(new.subjects, &self.subjects),
        }
    }

    /// What search matches against.
    fn search_text(&self) -> String {
        let mut parts = vec![self.title.clone()];
        parts.extend(self.title_kana.clone());
        parts.extend(self.authors.iter().cloned());
        parts.extend(self.publisher.clone());
        parts.extend(self.subjects.iter().cloned());
        normalize(&parts.join(" "))
    }

    fn from_row(r: &AnyRow) -> Result<TitleFields, sqlx::Error> {
        let authors: String = r.try_get("authors")?;
        let subjects: String = r.try_get("subjects")?;
        let year: Option<i64> = r.try_get("year")?;
        Ok(TitleFields {
            title: r.try_get("title")?,
            title_kana: r.try_get("title_kana")?,
            authors: split_list(&authors),
            publisher: r.try_get("publisher")?,
            year: year.and_then(|y| i32::try_from(y).ok()),
            subjects: split_list(&subjects),
        })
    }
}

/// Separator of list fields (authors, subjects) in their TEXT column.
const LIST_SEP: &str = "\u{1f}";

fn split_list(s: &str) -> Vec<String> {
    s.split(LIST_SEP)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The stored title with this match key: its id and fields.
async fn stored_title(
    conn: &mut AnyConnection,
    match_key: &str,
) -> Result<Option<(i64, TitleFields)>, sqlx::Error> {
    sqlx::query(
        "SELECT id, title, title_kana, authors, publisher, year, subjects FROM titles \
         WHERE match_key = $1",
    )
    .bind(match_key)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| Ok((r.try_get("id")?, TitleFields::from_row(&r)?)))
    .transpose()
}

/// Insert a title (matched by [`NewTitle::match_key`]), or merge it into the
/// stored one field by field ([`TitleFields::merged`]); its search terms
/// follow. Returns its id and what was written.
pub(crate) async fn upsert_title(
    conn: &mut AnyConnection,
    t: &NewTitle<'_>,
    now: i64,
) -> Result<(i64, Written), sqlx::Error> {
    let key = t.match_key();
    let stored = match stored_title(conn, &key).await? {
        Some(stored) => stored,
        None => {
            let fields = TitleFields::of(t);
            let search_text = fields.search_text();
            let inserted = sqlx::query(
                "INSERT INTO titles (match_key, isbn, title, title_kana, authors, publisher, \
                 year, subjects, search_text, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                 ON CONFLICT (match_key) DO NOTHING RETURNING id",
            )
            .bind(&key)
            .bind(t.isbn.map(|i| i.as_str().to_owned()))
            .bind(&fields.title)
            .bind(fields.title_kana.as_deref())
            .bind(fields.authors.join(LIST_SEP))
            .bind(fields.publisher.as_deref())
            .bind(fields.year.map(i64::from))
            .bind(fields.subjects.join(LIST_SEP))
            .bind(&search_text)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(row) = inserted {
                let id: i64 = row.try_get("id")?;
                insert_terms(conn, id, &search_text).await?;
                return Ok((id, Written::Created));
            }
            // Another import stored it meanwhile: merge into that.
            stored_title(conn, &key)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?
        }
    };
    let (id, old) = stored;
    let merged = old.merged(t);
    if merged == old {
        return Ok((id, Written::Unchanged));
    }
    let search_text = merged.search_text();
    sqlx::query(
        "UPDATE titles SET title = $1, title_kana = $2, authors = $3, publisher = $4, \
         year = $5, subjects = $6, search_text = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&merged.title)
    .bind(merged.title_kana.as_deref())
    .bind(merged.authors.join(LIST_SEP))
    .bind(merged.publisher.as_deref())
    .bind(merged.year.map(i64::from))
    .bind(merged.subjects.join(LIST_SEP))
    .bind(&search_text)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if search_text != old.search_text() {
        sqlx::query("DELETE FROM title_terms WHERE title_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_terms(conn, id, &search_text).await?;
    }
    Ok((id, Written::Updated))
}

/// Index a title's search text ([`index_terms`]).
async fn insert_terms(
    conn: &mut AnyConnection,
    id: i64,
    search_text: &str,
) -> Result<(), sqlx::Error> {
    let terms = index_terms(search_text);
    // Multi-row inserts, well under both back-ends' parameter limits.
    for chunk in terms.chunks(200) {
        let mut sql = String::from("INSERT INTO title_terms (term, title_id) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut q = sqlx::query(&sql);
        for term in chunk {
            q = q.bind(term.as_str()).bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A copy as an import sets it: title, branch and shelf.
type ItemPlace = (i64, String, Option<String>);

async fn stored_item(
    conn: &mut AnyConnection,
    barcode: &str,
) -> Result<Option<ItemPlace>, sqlx::Error> {
    sqlx::query("SELECT title_id, branch, shelf FROM items WHERE barcode = $1")
        .bind(barcode)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            Ok((
                r.try_get("title_id")?,
                r.try_get("branch")?,
                r.try_get("shelf")?,
            ))
        })
        .transpose()
}

/// Insert a copy, or move an existing barcode to this title and branch
/// (its status is kept). An absent shelf keeps the stored one, like the
/// title fields ([`TitleFields::merged`]).
pub(crate) async fn upsert_item(
    conn: &mut AnyConnection,
    barcode: &str,
    title_id: i64,
    branch: &str,
    shelf: Option<&str>,
    now: i64,
) -> Result<Written, sqlx::Error> {
    let stored = match stored_item(conn, barcode).await? {
        Some(stored) => stored,
        None => {
            let inserted = sqlx::query(
                "INSERT INTO items (barcode, title_id, branch, shelf, status, created_at) \
                 VALUES ($1, $2, $3, $4, 'available', $5) ON CONFLICT (barcode) DO NOTHING",
            )
            .bind(barcode)
            .bind(title_id)
            .bind(branch)
            .bind(shelf)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Written::Created);
            }
            stored_item(conn, barcode)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?
        }
    };
    let merged: ItemPlace = (
        title_id,
        branch.to_owned(),
        shelf.map(str::to_owned).or_else(|| stored.2.clone()),
    );
    if merged == stored {
        return Ok(Written::Unchanged);
    }
    sqlx::query("UPDATE items SET title_id = $1, branch = $2, shelf = $3 WHERE barcode = $4")
        .bind(merged.0)
        .bind(&merged.1)
        .bind(merged.2.as_deref())
        .bind(barcode)
        .execute(&mut *conn)
        .await?;
    Ok(Written::Updated)
}

/// A search request.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchQuery {
    pub(crate) q: String,
    pub(crate) branch: Option<String>,
    pub(crate) available_only: bool,
    pub(crate) page: u32,
    pub(crate) per_page: u32,
}

/// A bind value of a dynamically built query.
enum Bind {
    Text(String),
}

/// Builds the WHERE clause of a search with numbered placeholders.
struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    fn param(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}

fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A search as SQL: where the candidates come from, the conditions, and the
/// ordering key.
struct Plan {
    from: String,
    filter: Filter,
    order: &'static str,
}

/// Matches counted at most; a larger result says "1,000 or more".
pub(crate) const COUNT_CAP: i64 = 1_000;

/// Plan a search. Text words are matched through their n-grams: the rarest
/// term of the whole query (by `term_stats`) drives the scan of its posting
/// list in title order, every other term is probed on the `(term,
/// title_id)` primary key, and words longer than two characters are
/// confirmed with `LIKE` (shorter words are exactly their one n-gram).
async fn plan(db: &AnyPool, query: &SearchQuery) -> Result<Plan, sqlx::Error> {
    let mut f = Filter {
        clauses: Vec::new(),
        binds: Vec::new(),
    };
    let mut words = Vec::new();
    for raw in query.q.split_whitespace() {
        // An ISBN keeps its hyphens until it is parsed; normalizing first
        // would split it into words.
        if looks_like_isbn(raw) {
            if let Ok(isbn) = Isbn13::parse(raw) {
                let p = f.param(Bind::Text(isbn.as_str().to_owned()));
                f.clauses.push(format!("t.isbn = {p}"));
                continue;
            }
        }
        words.extend(
            normalize(raw)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned),
        );
    }
    if f.clauses.is_empty() && words.is_empty() && !query.q.trim().is_empty() {
        // Only punctuation: nothing can match (rather than everything).
        f.clauses.push("1 = 0".into());
    }
    let mut terms: Vec<String> = words.iter().flat_map(|w| query_terms(w)).collect();
    terms.sort();
    terms.dedup();
    let mut from = "titles t".to_owned();
    let mut order = "t.id";
    if !terms.is_empty() {
        let mut stats: HashMap<String, i64> = HashMap::new();
        for chunk in terms.chunks(200) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT term, titles FROM term_stats WHERE term IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for t in chunk {
                q = q.bind(t.as_str());
            }
            for r in q.fetch_all(db).await? {
                stats.insert(r.try_get("term")?, r.try_get("titles")?);
            }
        }
        // Rarest first; a term missing from the statistics is the rarest
        // (no title had it when they were last rebuilt).
        let rarity = |t: &String| (stats.get(t).copied().unwrap_or(0), t.clone());
        terms.sort_by_key(rarity);
        // The posting lists scanned together in title order: the rarest
        // term of each word (at most three), or the two rarest terms of a
        // single word. PostgreSQL merges them; the other terms are probed.
        let mut joined: Vec<String> = Vec::new();
        for w in &words {
            if let Some(t) = query_terms(w).into_iter().min_by_key(rarity) {
                if !joined.contains(&t) {
                    joined.push(t);
                }
            }
        }
        joined.sort_by_key(rarity);
        joined.truncate(3);
        if joined.len() == 1 {
            if let Some(second) = terms.iter().find(|t| **t != joined[0]) {
                joined.push(second.clone());
            }
        }
        let driver = f.param(Bind::Text(joined[0].clone()));
        from = "title_terms d".to_owned();
        for (i, term) in joined.iter().enumerate().skip(1) {
            let p = f.param(Bind::Text(term.clone()));
            from.push_str(&format!(
                " JOIN title_terms j{i} ON j{i}.title_id = d.title_id AND j{i}.term = {p}"
            ));
        }
        from.push_str(" JOIN titles t ON t.id = d.title_id");
        f.clauses.push(format!("d.term = {driver}"));
        order = "d.title_id";
        // Words longer than two characters are confirmed by LIKE below, so
        // only the n-grams of one- and two-character words need probing.
        let short_terms: Vec<String> = words
            .iter()
            .filter(|w| w.chars().count() <= 2)
            .flat_map(|w| query_terms(w))
            .collect();
        for term in terms
            .iter()
            .filter(|t| !joined.contains(t) && short_terms.contains(t))
        {
            let p = f.param(Bind::Text(term.clone()));
            f.clauses.push(format!(
                "EXISTS (SELECT 1 FROM title_terms x WHERE x.term = {p} AND x.title_id = d.title_id)"
            ));
        }
        for word in words.iter().filter(|w| w.chars().count() > 2) {
            let like = f.param(Bind::Text(escape_like(word)));
            f.clauses
                .push(format!("t.search_text LIKE {like} ESCAPE '\\'"));
        }
    }
    match (&query.branch, query.available_only) {
        (Some(b), only) => {
            let p = f.param(Bind::Text(b.clone()));
            let status = if only {
                " AND i.status = 'available'"
            } else {
                ""
            };
            f.clauses.push(format!(
                "EXISTS (SELECT 1 FROM items i WHERE i.title_id = t.id AND i.branch = {p}{status})"
            ));
        }
        (None, true) => f.clauses.push(
            "EXISTS (SELECT 1 FROM items i WHERE i.title_id = t.id AND i.status = 'available')"
                .into(),
        ),
        (None, false) => {}
    }
    Ok(Plan {
        from,
        filter: f,
        order,
    })
}

/// Rebuild `term_stats` from `title_terms` (after an import).
pub(crate) async fn rebuild_term_stats(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM term_stats")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO term_stats (term, titles) SELECT term, COUNT(*) FROM title_terms GROUP BY term",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
        };
    }
    q
}

const TITLE_COLUMNS: &str =
    "t.id, t.isbn, t.title, t.title_kana, t.authors, t.publisher, t.year, t.subjects";

/// One page of titles matching `query`, how many match (counted up to
/// [`COUNT_CAP`]), and whether there are more than that.
pub(crate) async fn search(
    db: &AnyPool,
    query: &SearchQuery,
) -> Result<(u64, bool, Vec<TitleSummary>), sqlx::Error> {
    let Plan {
        from,
        filter,
        order,
    } = plan(db, query).await?;
    let where_sql = if filter.clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filter.clauses.join(" AND "))
    };
    let offset = i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page);
    let page_sql = format!(
        "SELECT {TITLE_COLUMNS} FROM {from}{where_sql} ORDER BY {order} LIMIT {} OFFSET {offset}",
        query.per_page
    );
    let rows = bind_all(sqlx::query(&page_sql), &filter.binds)
        .fetch_all(db)
        .await?;
    let mut titles = rows
        .iter()
        .map(summary_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // A first page that is not full holds every match: no count needed.
    let counted = if query.page <= 1 && titles.len() < query.per_page as usize {
        titles.len() as i64
    } else {
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM {from}{where_sql} LIMIT {}) c",
            COUNT_CAP + 1
        );
        bind_all(sqlx::query(&count_sql), &filter.binds)
            .fetch_one(db)
            .await?
            .try_get("n")?
    };
    fill_counts(db, &mut titles, query.branch.as_deref()).await?;
    let total = u64::try_from(counted.min(COUNT_CAP)).unwrap_or(0);
    Ok((total, counted > COUNT_CAP, titles))
}

fn summary_from_row(r: &AnyRow) -> Result<TitleSummary, sqlx::Error> {
    let authors: String = r.try_get("authors")?;
    let year: Option<i64> = r.try_get("year")?;
    Ok(TitleSummary {
        id: r.try_get("id")?,
        isbn: r.try_get("isbn")?,
        title: r.try_get("title")?,
        title_kana: r.try_get("title_kana")?,
        authors: split_list(&authors),
        publisher: r.try_get("publisher")?,
        year: year.and_then(|y| i32::try_from(y).ok()),
        copies: 0,
        available: 0,
        holds: 0,
    })
}

/// Copies, available copies (in `branch` when given) and open holds.
async fn fill_counts(
    db: &AnyPool,
    titles: &mut [TitleSummary],
    branch: Option<&str>,
) -> Result<(), sqlx::Error> {
    if titles.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = (1..=titles.len()).map(|i| format!("${i}")).collect();
    let branch_clause = match branch {
        Some(_) => format!(" AND branch = ${}", titles.len() + 1),
        None => String::new(),
    };
    let sql = format!(
        "SELECT title_id, COUNT(*) AS copies, \
         SUM(CASE WHEN status = 'available' THEN 1 ELSE 0 END) AS available \
         FROM items WHERE title_id IN ({}){branch_clause} GROUP BY title_id",
        ids.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for t in titles.iter() {
        q = q.bind(t.id);
    }
    if let Some(b) = branch {
        q = q.bind(b);
    }
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in q.fetch_all(db).await? {
        counts.insert(
            r.try_get("title_id")?,
            (r.try_get("copies")?, r.try_get("available")?),
        );
    }
    let sql = format!(
        "SELECT title_id, COUNT(*) AS n FROM holds WHERE title_id IN ({}) \
         AND state IN {} GROUP BY title_id",
        ids.join(", "),
        super::holds::open_states_sql()
    );
    let mut q = sqlx::query(&sql);
    for t in titles.iter() {
        q = q.bind(t.id);
    }
    let mut holds: HashMap<i64, i64> = HashMap::new();
    for r in q.fetch_all(db).await? {
        holds.insert(r.try_get("title_id")?, r.try_get("n")?);
    }
    let to_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    for t in titles {
        let (copies, available) = counts.get(&t.id).copied().unwrap_or((0, 0));
        t.copies = to_u32(copies);
        t.available = to_u32(available);
        t.holds = to_u32(holds.get(&t.id).copied().unwrap_or(0));
    }
    Ok(())
}

/// One title with its counts and subjects.
pub(crate) async fn title(
    db: &AnyPool,
    id: i64,
) -> Result<Option<(TitleSummary, Vec<String>)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {TITLE_COLUMNS} FROM titles t WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let subjects: String = row.try_get("subjects")?;
    let mut summary = [summary_from_row(&row)?];
    fill_counts(db, &mut summary, None).await?;
    let [summary] = summary;
    Ok(Some((summary, split_list(&subjects))))
}

/// The copies of a title.
pub(crate) async fn items_of(db: &AnyPool, title_id: i64) -> Result<Vec<ItemInfo>, sqlx::Error> {
    sqlx::query(
        "SELECT barcode, branch, shelf, status FROM items WHERE title_id = $1 \
         ORDER BY branch, barcode",
    )
    .bind(title_id)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(ItemInfo {
            barcode: r.try_get("barcode")?,
            branch: r.try_get("branch")?,
            shelf: r.try_get("shelf")?,
            status: r.try_get("status")?,
        })
    })
    .collect()
}

/// Whether a title exists, and how many copies it has.
pub(crate) async fn copies_of(
    conn: &mut AnyConnection,
    title_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let exists = sqlx::query("SELECT 1 AS one FROM titles WHERE id = $1")
        .bind(title_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if !exists {
        return Ok(None);
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM items WHERE title_id = $1")
        .bind(title_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok(Some(n))
}

/// A branch's loan rules: (loan days, renewals allowed).
pub(crate) async fn loan_rules(
    conn: &mut AnyConnection,
    branch: &str,
) -> Result<Option<(u32, u32)>, sqlx::Error> {
    sqlx::query("SELECT loan_days, max_renewals FROM branches WHERE code = $1")
        .bind(branch)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            let days: i64 = r.try_get("loan_days")?;
            let renewals: i64 = r.try_get("max_renewals")?;
            Ok((
                u32::try_from(days).unwrap_or(14),
                u32::try_from(renewals).unwrap_or(0),
            ))
        })
        .transpose()
}

/// A copy as the desk sees it.
#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    pub(crate) title_id: i64,
    pub(crate) branch: String,
    pub(crate) status: String,
}

pub(crate) async fn item(
    conn: &mut AnyConnection,
    barcode: &str,
) -> Result<Option<ItemRow>, sqlx::Error> {
    sqlx::query("SELECT title_id, branch, status FROM items WHERE barcode = $1")
        .bind(barcode)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            Ok(ItemRow {
                title_id: r.try_get("title_id")?,
                branch: r.try_get("branch")?,
                status: r.try_get("status")?,
            })
        })
        .transpose()
}

pub(crate) async fn set_item_status(
    conn: &mut AnyConnection,
    barcode: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE items SET status = $1 WHERE barcode = $2")
        .bind(status)
        .bind(barcode)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
