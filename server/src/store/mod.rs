//! SQLite storage: opening the database in WAL mode, the embedded migrations
//! (`server/migrations/sqlite`), and one module per table family.
//!
//! Writes that must be atomic run in `BEGIN IMMEDIATE` transactions
//! ([`begin_write`]) so SQLite takes the write lock up front: concurrent
//! registrations queue (busy timeout) instead of failing on a lock upgrade.

pub(crate) mod challenges;
pub(crate) mod patrons;
pub(crate) mod sessions;

use std::borrow::Cow;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// The migrations, compiled in: (version, description, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "patrons",
    include_str!("../../migrations/sqlite/0001_patrons.sql"),
)];

/// The compiled-in migrations as a sqlx migration source (the same
/// bookkeeping table and checksums as `sqlx::migrate!`, without its
/// proc-macro and a second SQLite build for the host).
#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Open (create) the database at `path` in WAL mode and migrate it.
pub(crate) async fn open(path: &Path) -> Result<SqlitePool, crate::StartError> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(15));
    // One connection: SQLite has one writer anyway, and with several
    // connections the losers of `BEGIN IMMEDIATE` sleep in SQLite's busy
    // handler (in steps up to 100 ms) instead of queueing. Measured with
    // `cargo bench -p shiori-client --bench registrations -- 1000 16`:
    // 8 connections 324/s, p99 354 ms; 1 connection 503/s, p99 67 ms. Verification
    // runs before a connection is taken, and no handler queries the pool while
    // it holds a transaction (that would wait for itself). Scale-out is
    // PostgreSQL's job.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    Migrator::new(Embedded).await?.run(&pool).await?;
    Ok(pool)
}

/// A write transaction holding SQLite's write lock from its first statement.
pub(crate) async fn begin_write(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Whether `e` is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}
