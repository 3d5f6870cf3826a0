//! Catalogue import into the database: rows parsed by
//! `shiori_core::catalogue::parse_catalogue_csv` (or `parse_marc`), checked
//! against the configured branches, merged into the stored catalogue field
//! by field (`store::catalogue::upsert_title`) in batches of whole
//! transactions.
//!
//! Every data row of the file is accounted for, exactly once: the report
//! says how many were read and how many were imported (a new title or
//! copy), updated, unchanged or rejected — the four add up to the rows
//! read — and lists every rejected row with its line, code and reason.
//! Rows are reported one by one rather than the run being all-or-nothing:
//! a batch lands whole or not at all, so a database failure keeps the
//! batches before it (the error says how many rows), and re-running the
//! same file is safe — rows already stored come out `unchanged`.

use std::collections::HashSet;

use serde::Serialize;
use shiori_core::catalogue::{
    parse_catalogue_csv, parse_marc, CatalogueImport, CatalogueRow, ImportError, RejectedRow,
};

use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::catalogue::{self as cat, NewTitle, Written};
use crate::store::{self};

/// The demo catalogue (`server/data/demo-catalogue.csv`): 30 titles in
/// Japanese and English, 41 copies over the three TEST branches. Its ISBNs
/// have valid check digits but are illustrative, not those of real editions.
pub const DEMO_CATALOGUE: &[u8] = include_bytes!("../data/demo-catalogue.csv");

/// Import [`DEMO_CATALOGUE`] when the catalogue is empty (TEST setups only).
pub async fn import_demo_if_empty(state: &AppState) -> Result<Option<ImportReport>, ImportFailure> {
    let empty = cat::is_empty(state.inner().db.pool())
        .await
        .map_err(|e| ImportFailure::Database(e.into(), 0))?;
    if !empty {
        return Ok(None);
    }
    import_csv(state, DEMO_CATALOGUE).await.map(Some)
}

/// Rows per write transaction.
const BATCH: usize = 500;

/// What an import did. `rows_read` = `imported_rows` + `updated_rows` +
/// `unchanged_rows` + `rejected_rows`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows in the file (CSV: non-blank lines after the header; MARC:
    /// one per 995 holding, or per record without one or unreadable).
    pub rows_read: u64,
    /// Rows that stored a new title or a new copy.
    pub imported_rows: u64,
    /// Rows that changed a stored title or copy (and created nothing).
    pub updated_rows: u64,
    /// Rows already stored exactly so.
    pub unchanged_rows: u64,
    /// Rows refused: `rejected.len()`.
    pub rejected_rows: u64,
    /// Distinct titles among the rows written.
    pub titles: u64,
    /// Copies among the rows written.
    pub items: u64,
    /// Every row refused, with why, in file order.
    pub rejected: Vec<Rejected>,
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Stable code (`invalid_isbn`, `unknown_branch`, …).
    pub code: String,
    /// What is wrong, naming the column.
    pub reason: String,
    /// MARC: where the record starts in the file (0-based byte offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
}

impl From<RejectedRow> for Rejected {
    fn from(r: RejectedRow) -> Self {
        Rejected {
            line: r.line,
            code: r.code.to_owned(),
            reason: r.reason,
            byte_offset: r.byte_offset,
        }
    }
}

/// Why an import did not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file itself is unusable (no `title` column, not UTF-8, too big).
    #[error("{0}")]
    File(#[from] ImportError),
    /// The database refused a batch; the rows before it were written (and
    /// re-running the same file is safe), the batch was rolled back.
    #[error(
        "database error after {1} rows were written (those are kept; re-running the same \
         file is safe): {0:?}"
    )]
    Database(ApiErrorResponse, u64),
}

impl ImportFailure {
    /// A stable code.
    pub fn code(&self) -> &str {
        match self {
            ImportFailure::File(e) => e.code(),
            ImportFailure::Database(..) => "import_database",
        }
    }
}

/// Import a catalogue CSV into the server's database.
pub async fn import_csv(
    state: &AppState,
    reader: impl std::io::Read,
) -> Result<ImportReport, ImportFailure> {
    import_parsed(state, parse_catalogue_csv(reader)?).await
}

/// Import a MARC 21 file (ISO 2709 or MARCXML; holdings in 995 $f barcode,
/// $a branch, $k shelf — see `shiori_core::catalogue::marc`).
pub async fn import_marc(state: &AppState, bytes: &[u8]) -> Result<ImportReport, ImportFailure> {
    import_parsed(state, parse_marc(bytes)?).await
}

async fn import_parsed(
    state: &AppState,
    parsed: CatalogueImport,
) -> Result<ImportReport, ImportFailure> {
    let mut report = ImportReport {
        rows_read: (parsed.rows.len() + parsed.rejected.len()) as u64,
        rejected: parsed.rejected.into_iter().map(Into::into).collect(),
        ..ImportReport::default()
    };
    let branches: HashSet<String> = cat::branches(state.inner().db.pool())
        .await
        .map_err(|e| ImportFailure::Database(e.into(), 0))?
        .into_iter()
        .map(|b| b.code)
        .collect();
    let (good, unknown): (Vec<CatalogueRow>, Vec<CatalogueRow>) = parsed
        .rows
        .into_iter()
        .partition(|r| r.branch.as_ref().is_none_or(|b| branches.contains(b)));
    for r in unknown {
        report.rejected.push(Rejected {
            line: r.line,
            code: "unknown_branch".into(),
            reason: format!(
                "branch: {:?} is not one of the library's branches",
                r.branch.unwrap_or_default()
            ),
            byte_offset: None,
        });
    }
    report.rejected.sort_by_key(|r| r.line);
    report.rejected_rows = report.rejected.len() as u64;
    let mut titles = HashSet::new();
    for batch in good.chunks(BATCH) {
        let written = write_batch(state, batch, &mut titles)
            .await
            .map_err(|e| ImportFailure::Database(e, report.written()))?;
        for w in written {
            match w {
                Written::Created => report.imported_rows += 1,
                Written::Updated => report.updated_rows += 1,
                Written::Unchanged => report.unchanged_rows += 1,
            }
        }
        report.items += batch.iter().filter(|r| r.item_barcode.is_some()).count() as u64;
    }
    report.titles = titles.len() as u64;
    let rebuilt = async {
        let mut tx = store::begin_write(&state.inner().db).await?;
        cat::rebuild_term_stats(&mut tx).await?;
        tx.commit().await?;
        Ok::<(), ApiErrorResponse>(())
    };
    rebuilt
        .await
        .map_err(|e| ImportFailure::Database(e, report.written()))?;
    Ok(report)
}

impl ImportReport {
    /// Rows written to the database so far (whatever the outcome).
    fn written(&self) -> u64 {
        self.imported_rows + self.updated_rows + self.unchanged_rows
    }
}

/// Writes one batch in one transaction; what each row did, in order. A
/// row is `Created` when it stored a new title or copy, else `Updated` when
/// it changed one, else `Unchanged`.
async fn write_batch(
    state: &AppState,
    rows: &[CatalogueRow],
    titles: &mut HashSet<i64>,
) -> Result<Vec<Written>, ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    let mut written = Vec::with_capacity(rows.len());
    for r in rows {
        let (id, title) = cat::upsert_title(
            &mut tx,
            &NewTitle {
                isbn: r.isbn.as_ref(),
                title: &r.title,
                title_kana: r.title_kana.as_deref(),
                authors: &r.authors,
                publisher: r.publisher.as_deref(),
                year: r.year,
                subjects: &r.subjects,
            },
            now,
        )
        .await?;
        titles.insert(id);
        let item = match (&r.item_barcode, &r.branch) {
            (Some(barcode), Some(branch)) => {
                cat::upsert_item(&mut tx, barcode, id, branch, r.shelf.as_deref(), now).await?
            }
            _ => Written::Unchanged,
        };
        written.push(title.max(item));
    }
    tx.commit().await?;
    Ok(written)
}
