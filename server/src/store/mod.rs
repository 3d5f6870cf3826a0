//! Storage behind one interface for SQLite and PostgreSQL: sqlx's `Any`
//! driver runs the same SQL (numbered `$n` placeholders, which both accept)
//! on either back-end, chosen by the configured database ([`Database`]);
//! the embedded migrations (`server/migrations/{sqlite,postgres}`) run at
//! start-up; one module per table family.
//!
//! Writes that must be atomic (a registration, a login, a deletion) run in a
//! write transaction ([`begin_write`]) that is serialized per database: on
//! SQLite `BEGIN IMMEDIATE` takes the write lock up front (concurrent
//! registrations queue in the busy timeout instead of failing on a lock
//! upgrade); on PostgreSQL the transaction first takes a transaction-scoped
//! advisory lock, so several server processes on one database serialize the
//! same way (card serials are `MAX + 1`, and the re-registration match must
//! not race a concurrent first registration). Nothing any instance needs
//! lives in memory: challenges, sessions and patrons are all in the database.
//!
//! On SQLite, registrations and logins do not go through sqlx: they run on
//! the writer thread's own connection, a whole transaction per message
//! ([`sqlite_writer`]), with the statements written once for both connection
//! types ([`patron_tx`]).

pub(crate) mod catalogue;
pub(crate) mod challenges;
pub(crate) mod holds;
pub(crate) mod loans;
pub(crate) mod outbox;
pub(crate) mod patron_tx;
pub(crate) mod patrons;
pub(crate) mod sessions;
pub(crate) mod sqlite_writer;
pub(crate) mod staff;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

use crate::config::{Backend, Database, SqliteSynchronous};
use sqlite_writer::{SqliteReaders, SqliteWriter};

/// The migrations, compiled in, per back-end: (version, description, SQL).
/// Both lists keep the same versions and descriptions.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "patrons",
        include_str!("../../migrations/sqlite/0001_patrons.sql"),
    ),
    (
        2,
        "catalogue holds",
        include_str!("../../migrations/sqlite/0002_catalogue_holds.sql"),
    ),
    (
        3,
        "notifications",
        include_str!("../../migrations/sqlite/0003_notifications.sql"),
    ),
    (
        4,
        "circulation",
        include_str!("../../migrations/sqlite/0004_circulation.sql"),
    ),
    (
        5,
        "staff",
        include_str!("../../migrations/sqlite/0005_staff.sql"),
    ),
    (
        6,
        "term stats",
        include_str!("../../migrations/sqlite/0006_term_stats.sql"),
    ),
    (
        7,
        "proven auth links",
        include_str!("../../migrations/sqlite/0007_proven_auth_links.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "patrons",
        include_str!("../../migrations/postgres/0001_patrons.sql"),
    ),
    (
        2,
        "catalogue holds",
        include_str!("../../migrations/postgres/0002_catalogue_holds.sql"),
    ),
    (
        3,
        "notifications",
        include_str!("../../migrations/postgres/0003_notifications.sql"),
    ),
    (
        4,
        "circulation",
        include_str!("../../migrations/postgres/0004_circulation.sql"),
    ),
    (
        5,
        "staff",
        include_str!("../../migrations/postgres/0005_staff.sql"),
    ),
    (
        6,
        "term stats",
        include_str!("../../migrations/postgres/0006_term_stats.sql"),
    ),
    (
        7,
        "proven auth links",
        include_str!("../../migrations/postgres/0007_proven_auth_links.sql"),
    ),
];

/// The advisory lock key write transactions take on PostgreSQL
/// (`'shiori' as hex`, any constant would do).
const WRITE_LOCK_KEY: i64 = 0x0000_7368_696f_7269;

/// The compiled-in migrations as a sqlx migration source (the same
/// bookkeeping table and checksums as `sqlx::migrate!`, without its
/// proc-macro and a second database build for the host).
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
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

/// An open database: the pool, which back-end it talks to and, on SQLite,
/// the writer thread of registrations and logins.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    sqlite_writer: Option<Arc<SqliteWriter>>,
    sqlite_readers: Option<Arc<SqliteReaders>>,
}

impl Db {
    /// The connection pool (tests count rows with it; operators' tools may read).
    /// Queries must use `$1`-style placeholders to run on both back-ends.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which back-end this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// On SQLite, the connection that runs registration and login
    /// transactions in one message each (`sqlite_writer`).
    pub(crate) fn sqlite_writer(&self) -> Option<&SqliteWriter> {
        self.sqlite_writer.as_deref()
    }

    /// On SQLite, read-only connections for reads on a blocking thread.
    pub(crate) fn sqlite_readers(&self) -> Option<&Arc<SqliteReaders>> {
        self.sqlite_readers.as_ref()
    }
}

/// A database error from either connection type.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Writer(String),
}

impl DbError {
    /// Whether this is a UNIQUE constraint violation.
    pub(crate) fn is_unique_violation(&self) -> bool {
        match self {
            Self::Sqlx(e) => is_unique_violation(e),
            Self::Sqlite(e) => matches!(
                e.sqlite_error(),
                Some(f) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            Self::Writer(_) => false,
        }
    }
}

/// Open the database (creating an SQLite file if missing) and migrate it.
pub(crate) async fn open(
    database: &Database,
    synchronous: SqliteSynchronous,
) -> Result<Db, crate::StartError> {
    sqlx::any::install_default_drivers();
    let backend = database.backend();
    let (options, pool, migrations) = match backend {
        Backend::Sqlite => {
            let file = SqliteConnectOptions::new()
                .filename(database.sqlite_path())
                .create_if_missing(true);
            let options = AnyConnectOptions::from_url(&file.to_url_lossy())?;
            // One connection: SQLite has one writer anyway, and with several
            // connections the losers of `BEGIN IMMEDIATE` sleep in SQLite's busy
            // handler (in steps up to 100 ms) instead of queueing. Measured with
            // `cargo bench -p shiori-client --bench registrations -- 1000 16`:
            // 8 connections 324/s, p99 354 ms; 1 connection 503/s, p99 67 ms.
            // Verification runs before a connection is taken, and no handler
            // queries the pool while it holds a transaction (that would wait for
            // itself). Scale-out is PostgreSQL's job.
            // No ping before each acquire: a local file does not go away, and
            // the ping is one more hand-off to sqlx's worker thread.
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        for pragma in sqlite_pragmas(synchronous) {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                });
            (options, pool, SQLITE_MIGRATIONS)
        }
        Backend::Postgres => {
            let options: AnyConnectOptions = database.as_str().parse()?;
            // Read-only requests (session lookups, /me) run beside the
            // serialized writers, so more than one connection pays here.
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(15));
            (options, pool, POSTGRES_MIGRATIONS)
        }
    };
    let pool = pool.connect_with(options).await?;
    Migrator::new(Embedded(migrations))
        .await?
        .run(&pool)
        .await?;
    let (sqlite_writer, sqlite_readers) = match backend {
        Backend::Sqlite => {
            let path = database.sqlite_path();
            let writer = SqliteWriter::open(path, synchronous, pool.clone())
                .map_err(|e| crate::StartError::SqliteWriter(e.to_string()))?;
            (
                Some(Arc::new(writer)),
                Some(Arc::new(SqliteReaders::new(path))),
            )
        }
        Backend::Postgres => (None, None),
    };
    Ok(Db {
        pool,
        backend,
        sqlite_writer,
        sqlite_readers,
    })
}

/// The settings of every read-write SQLite connection (sqlx's and the
/// writer thread's), so the two stay in step.
pub(crate) fn sqlite_pragmas(synchronous: SqliteSynchronous) -> [&'static str; 4] {
    [
        "PRAGMA journal_mode = WAL",
        synchronous.pragma(),
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 15000",
    ]
}

/// A write transaction, serialized against every other write transaction on
/// the same database (see the module documentation).
pub(crate) async fn begin_write(db: &Db) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = db.pool.begin().await?;
            // Wrapped so the statement returns a column type `Any` decodes (not `void`).
            sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS lock")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// Whether `e` is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn synchronous_of(setting: SqliteSynchronous) -> i64 {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&dir.path().join("s.db").into(), setting)
            .await
            .unwrap();
        let row: (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;
        row.0
    }

    #[tokio::test]
    async fn the_configured_sqlite_synchronous_is_in_effect() {
        // SQLite's codes: 1 = NORMAL, 2 = FULL.
        assert_eq!(synchronous_of(SqliteSynchronous::Normal).await, 1);
        assert_eq!(synchronous_of(SqliteSynchronous::Full).await, 2);
    }
}
