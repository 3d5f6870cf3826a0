//! Catalogue import into the database: rows parsed by
//! `shiori_core::catalogue::parse_catalogue_csv`, checked against the
//! configured branches, written in batches of whole transactions. The
//! report lists every rejected row with its line, code and reason; a batch
//! either lands whole or not at all, so a failure never leaves half a row.

use std::collections::HashSet;

use serde::Serialize;
use shiori_core::catalogue::{
    parse_catalogue_csv, parse_marc, CatalogueImport, CatalogueRow, ImportError, RejectedRow,
};

use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::catalogue::{self as cat, NewTitle};
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

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Rows written (titles created or updated, copies added or moved).
    pub imported_rows: u64,
    /// Distinct titles among them.
    pub titles: u64,
    /// Copies among them.
    pub items: u64,
    /// Rows refused, with why.
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
}

impl From<RejectedRow> for Rejected {
    fn from(r: RejectedRow) -> Self {
        Rejected {
            line: r.line,
            code: r.code.to_owned(),
            reason: r.reason,
        }
    }
}

/// Why an import did not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file itself is unusable (no `title` column, not UTF-8, too big).
    #[error("{0}")]
    File(#[from] ImportError),
    /// The database refused a batch; rows before it were imported.
    #[error("database: {0:?} after {1} rows")]
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
        });
    }
    report.rejected.sort_by_key(|r| r.line);
    let mut titles = HashSet::new();
    for batch in good.chunks(BATCH) {
        write_batch(state, batch, &mut titles)
            .await
            .map_err(|e| ImportFailure::Database(e, report.imported_rows))?;
        report.imported_rows += batch.len() as u64;
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
        .map_err(|e| ImportFailure::Database(e, report.imported_rows))?;
    Ok(report)
}

async fn write_batch(
    state: &AppState,
    rows: &[CatalogueRow],
    titles: &mut HashSet<i64>,
) -> Result<(), ApiErrorResponse> {
    let now = state.now();
    let mut tx = store::begin_write(&state.inner().db).await?;
    for r in rows {
        let id = cat::upsert_title(
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
        if let (Some(barcode), Some(branch)) = (&r.item_barcode, &r.branch) {
            cat::upsert_item(&mut tx, barcode, id, branch, r.shelf.as_deref(), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
