//! The SQLite write path of registrations and logins: a second connection to
//! the same database file (rusqlite, on sqlx's `libsqlite3-sys`), owned by a
//! thread of its own, that runs a whole transaction per message.
//!
//! Why: through sqlx every statement is a round trip between a tokio task and
//! sqlx's SQLite worker thread, and a registration's transaction is about a
//! dozen statements with SQLite's write lock held across all of them. On two
//! cores those thread hand-offs, not SQLite, set the rate (docs/performance.md,
//! "Where the time goes"). Here the same statements run back to back on one
//! thread, and the transaction costs one hand-off each way.
//!
//! The two connections never meet in SQLite's sleeping busy handler: while
//! the thread works it holds the sqlx pool's only connection ([`Gate`]),
//! taken for a batch of queued jobs (up to 64) and kept while more batches
//! follow, for at most 10 ms, so no sqlx statement, read or write, runs
//! meanwhile — the same serialization as before, with fewer hand-offs. A
//! caller must therefore not hold a sqlx connection of the same pool while
//! it waits here.
//!
//! Checkpoints run beside the writer, and the writer finishes them so the
//! WAL starts over instead of growing ([`Checkpoints`]).
//!
//! [`SqliteReaders`] are read-only connections to the same file for reads
//! that run on the caller's blocking thread: a proof's challenge is read in
//! the verification task (`flows.rs`), with no hand-off of its own.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};

use super::DbError;
use crate::config::SqliteSynchronous;

/// A queued job: given the connection inside the batch's transaction (or
/// `None` when that could not be begun), it does its work and says what is
/// left for after the commit.
type Job = Box<dyn FnOnce(Option<&mut Connection>) -> Done + Send>;

/// How a job answers its caller, given why the batch did not commit (if so).
type Answer = Box<dyn FnOnce(Option<&DbError>) + Send>;

/// A job's work is done: whether its changes stay, and how to answer its
/// caller once the batch's commit succeeded (`None`) or failed.
struct Done {
    keep: bool,
    answer: Answer,
}

/// The writer thread's connection, reached through a channel.
#[derive(Debug)]
pub(crate) struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
    /// The checkpointer's request for a finishing checkpoint, for tests.
    #[cfg(test)]
    finish: Arc<AtomicBool>,
}

/// Most jobs committed together (group commit) before others get a turn.
const MAX_BATCH: usize = 64;

impl SqliteWriter {
    /// Open the (already migrated) database file and start the thread, which
    /// takes `gate`'s only connection while it works (module documentation).
    /// Call from inside the tokio runtime that serves `gate`. The thread ends,
    /// closing its connection, when the last handle is dropped.
    pub(crate) fn open(
        path: &Path,
        synchronous: SqliteSynchronous,
        gate: AnyPool,
    ) -> Result<Self, DbError> {
        Self::start(path, synchronous, gate, Checkpoints::start(path)?)
    }

    fn start(
        path: &Path,
        synchronous: SqliteSynchronous,
        gate: AnyPool,
        checkpoints: Checkpoints,
    ) -> Result<Self, DbError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The same settings as sqlx's connection (some answer with a row).
        for pragma in super::sqlite_pragmas(synchronous) {
            conn.query_row(pragma, [], |_| Ok(())).optional()?;
        }
        // Each job runs in a savepoint; its statement journal stays in memory
        // instead of a temporary file (measured: 10% of this thread's time).
        conn.execute_batch("PRAGMA temp_store = MEMORY")?;
        // Checkpoints (copying the WAL into the database file) run on a
        // thread of their own (`Checkpoints`), not after this thread's
        // commits (measured: 15% of the registration rate over 9,999).
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        conn.set_prepared_statement_cache_capacity(32);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| DbError::Writer(format!("no tokio runtime for the writer: {e}")))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        #[cfg(test)]
        let finish = checkpoints.finish.clone();
        std::thread::Builder::new()
            .name("shiori-sqlite-writer".into())
            .spawn(move || {
                let mut conn = conn;
                let mut gate = Gate::new(gate, runtime);
                loop {
                    // A job waiting means the next batch follows at once: keep
                    // the gate. Otherwise give sqlx its turn, then wait.
                    let first = match queue.try_recv() {
                        Ok(job) => job,
                        Err(mpsc::TryRecvError::Disconnected) => break,
                        Err(mpsc::TryRecvError::Empty) => {
                            gate.release();
                            match queue.recv() {
                                Ok(job) => job,
                                Err(_) => break,
                            }
                        }
                    };
                    gate.hold();
                    let batch = std::iter::once(first)
                        .chain(queue.try_iter().take(MAX_BATCH - 1))
                        .collect();
                    let (answers, failure) = run_batch(&mut conn, batch);
                    for answer in answers {
                        answer(failure.as_ref());
                    }
                    checkpoints.after_commit(&conn);
                }
                gate.release();
            })
            .map_err(|e| DbError::Writer(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            jobs,
            #[cfg(test)]
            finish,
        })
    }

    /// Run `work` in a write transaction on the writer thread: its changes
    /// are committed (with the other jobs of its batch) when it returns `Ok`,
    /// and undone when it fails or panics.
    pub(crate) async fn transaction<T, E>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.send(move |conn| {
            let outcome = match conn {
                Some(conn) => catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| {
                    Err(DbError::Writer("a write transaction panicked".into()).into())
                }),
                None => Err(DbError::Writer("the transaction did not begin".into()).into()),
            };
            (outcome.is_ok(), move |failure: Option<&DbError>| {
                match (failure, outcome) {
                    (Some(e), Ok(_)) => Err(DbError::Writer(format!("commit failed: {e}")).into()),
                    (_, outcome) => outcome,
                }
            })
        })
        .await?
    }

    /// Queue `work`; it returns whether its changes stay and what to answer
    /// given the batch's commit result.
    async fn send<T, A>(
        &self,
        work: impl FnOnce(Option<&mut Connection>) -> (bool, A) + Send + 'static,
    ) -> Result<T, DbError>
    where
        T: Send + 'static,
        A: FnOnce(Option<&DbError>) -> T + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let (keep, answer) = work(conn);
            Done {
                keep,
                answer: Box::new(move |failure| {
                    // The receiver is gone only if the request was dropped;
                    // the outcome stands either way.
                    let _ = reply.send(answer(failure));
                }),
            }
        });
        let stopped = || DbError::Writer("the SQLite writer thread has stopped".into());
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())
    }
}

/// WAL housekeeping. SQLite appends every commit to the WAL; a checkpoint
/// copies the WAL's pages into the database file, and once every frame is
/// copied the next write transaction starts the WAL over from its beginning,
/// writing into file pages the kernel already has. Under a steady stream of
/// registrations a checkpoint running beside the writer never catches up,
/// so the WAL only grew (226 MB after 6,000 registrations), and appending to
/// a growing file — new pages, new blocks, a journal commit per fsync —
/// cost half the writer thread's time (measured, docs/performance.md).
///
/// So the work is split. The checkpointer thread, after the writer signals
/// new commits, runs PASSIVE checkpoints (which never block the writer or
/// readers), at most every [`CHECKPOINT_PAUSE`]. When one leaves the WAL
/// long ([`RESTART_FRAMES`]) but copied up to a short tail
/// ([`FINISH_FRAMES`]), it asks the writer to finish: between two batches
/// the writer checkpoints that tail itself, while no commit can slip in, and
/// its next transaction restarts the WAL. (sqlx's connection keeps SQLite's
/// automatic checkpoints for its own commits.)
struct Checkpoints {
    /// One pending signal at most: commits meanwhile need no second one.
    wal_grew: mpsc::SyncSender<()>,
    finish: Arc<AtomicBool>,
}

impl Checkpoints {
    /// Start the checkpointer thread on a connection of its own. It ends
    /// when the writer does.
    fn start(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(15))?;
        let (wal_grew, signals) = mpsc::sync_channel::<()>(1);
        let finish = Arc::new(AtomicBool::new(false));
        let ask = finish.clone();
        std::thread::Builder::new()
            .name("shiori-sqlite-checkpoint".into())
            .spawn(move || {
                while signals.recv().is_ok() {
                    match checkpoint(&conn) {
                        Ok((frames, copied)) if wants_finish(frames, copied) => {
                            ask.store(true, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
                    }
                    std::thread::sleep(CHECKPOINT_PAUSE);
                }
            })
            .map_err(|e| DbError::Writer(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { wal_grew, finish })
    }

    /// No checkpointer thread: only a finishing checkpoint asked for by hand.
    #[cfg(test)]
    fn by_hand() -> Self {
        let (wal_grew, _) = mpsc::sync_channel(1);
        Self {
            wal_grew,
            finish: Arc::new(AtomicBool::new(false)),
        }
    }

    /// On the writer thread after a batch: finish a checkpoint if asked,
    /// then signal the checkpointer.
    fn after_commit(&self, conn: &Connection) {
        if self.finish.swap(false, Ordering::Relaxed) {
            // PASSIVE here too: if the checkpointer is running one, this
            // returns at once and the next round asks again.
            if let Err(e) = checkpoint(conn) {
                tracing::debug!(error = %e, "finishing checkpoint skipped");
            }
        }
        let _ = self.wal_grew.try_send(());
    }
}

/// Whether a checkpoint that left `copied` of the WAL's `frames` copied
/// should be finished by the writer.
fn wants_finish(frames: i64, copied: i64) -> bool {
    frames >= RESTART_FRAMES && frames - copied <= FINISH_FRAMES
}

/// A PASSIVE checkpoint: copies what it can of the WAL into the database
/// file. Returns the WAL's frames and how many of them are now copied.
fn checkpoint(conn: &Connection) -> Result<(i64, i64), DbError> {
    Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })?)
}

/// Shortest time between two checkpoints (30 ms and 10 ms measured no
/// better: more checkpoints, more fsyncs).
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// A WAL this long (frames of one page, 4 MiB) is worth starting over.
const RESTART_FRAMES: i64 = 1024;

/// The most frames the writer copies when it finishes a checkpoint: about
/// ten batches of registrations.
const FINISH_FRAMES: i64 = 512;

/// sqlx's only connection, held by the writer thread while it works (module
/// documentation): taken before a batch and kept while more jobs are queued,
/// but no longer than [`GATE_TURN`], so sqlx's statements get their turn.
/// Taking it anew costs a trip through the runtime and, on its return, a
/// ping of sqlx's worker thread: ≈ 0.3 ms under load, measured, when it was
/// taken for every batch.
struct Gate {
    pool: AnyPool,
    runtime: tokio::runtime::Handle,
    /// The connection (`None` if the pool would not give it) and since when.
    held: Option<(Option<PoolConnection<Any>>, Instant)>,
}

impl Gate {
    fn new(pool: AnyPool, runtime: tokio::runtime::Handle) -> Self {
        Self {
            pool,
            runtime,
            held: None,
        }
    }

    /// Hold the connection for the next batch: keep it if it was taken less
    /// than [`GATE_TURN`] ago, otherwise give it back and queue for it again.
    /// If it cannot be had (the pool is closing), the jobs still run:
    /// SQLite's own lock and busy timeout keep them correct.
    fn hold(&mut self) {
        if self
            .held
            .as_ref()
            .is_some_and(|(_, since)| since.elapsed() >= GATE_TURN)
        {
            self.release();
        }
        if self.held.is_none() {
            let pool = &self.pool;
            let connection =
                catch_unwind(AssertUnwindSafe(|| self.runtime.block_on(pool.acquire())))
                    .ok()
                    .and_then(Result::ok);
            self.held = Some((connection, Instant::now()));
        }
    }

    /// Give the connection back (sqlx returns it from a task of its own).
    fn release(&mut self) {
        if let Some((connection, _)) = self.held.take() {
            let _in_runtime = self.runtime.enter();
            let _ = catch_unwind(AssertUnwindSafe(|| drop(connection)));
        }
    }
}

/// Longest time the writer keeps sqlx's connection while jobs keep coming.
const GATE_TURN: Duration = Duration::from_millis(10);

/// One batch in one transaction, each job inside a savepoint of its own so a
/// failed job is undone alone. Returns the answers and, when the batch as a
/// whole did not commit, why.
#[allow(clippy::type_complexity)]
fn run_batch(
    conn: &mut Connection,
    batch: Vec<Job>,
) -> (
    Vec<Box<dyn FnOnce(Option<&DbError>) + Send>>,
    Option<DbError>,
) {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let answers = batch.into_iter().map(|job| job(None).answer).collect();
        return (answers, Some(e.into()));
    }
    let mut failure: Option<DbError> = None;
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        if failure.is_some() || control(conn, "SAVEPOINT job").is_err() {
            answers.push(job(None).answer);
            continue;
        }
        let done = job(Some(conn));
        let closed = if done.keep {
            control(conn, "RELEASE job")
        } else {
            control(conn, "ROLLBACK TO job").and_then(|()| control(conn, "RELEASE job"))
        };
        if let Err(e) = closed {
            failure = Some(e.into());
        }
        answers.push(done.answer);
    }
    let end = match failure {
        None => control(conn, "COMMIT").map_err(DbError::from),
        Some(e) => Err(e),
    };
    let failure = end.err();
    if failure.is_some() && !conn.is_autocommit() {
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::error!(error = %e, "SQLite writer: rollback failed");
        }
    }
    (answers, failure)
}

/// Read-only connections to the same file, for reads that run on the
/// caller's (blocking) thread instead of a hand-off to the writer; WAL lets
/// them read while the writer writes. Opened on demand, at most
/// [`MAX_IDLE_READERS`] kept.
#[derive(Debug)]
pub(crate) struct SqliteReaders {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
}

const MAX_IDLE_READERS: usize = 8;

impl SqliteReaders {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Run `read` on an idle connection (or a new one). Blocking: call it
    /// off the async workers.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&mut Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(15))?;
                conn
            }
        };
        let value = read(&mut conn)?;
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        Ok(value)
    }
}

/// A transaction control statement, prepared once.
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// The names of `$1`, `$2`, …: the store's SQL numbers its placeholders for
/// PostgreSQL, and SQLite treats `$n` as a parameter *named* `$n`, so values
/// are bound by these names, never by position.
const NAMES: [&str; 16] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16",
];

/// `values` as parameters `$1`, `$2`, … for rusqlite.
pub(crate) fn numbered<'a>(values: &[&'a dyn ToSql]) -> Vec<(&'static str, &'a dyn ToSql)> {
    NAMES.iter().copied().zip(values.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn writer_and_pool() -> (tempfile::TempDir, SqliteWriter, super::super::Db) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let db = super::super::open(&path.clone().into(), SqliteSynchronous::Normal)
            .await
            .unwrap();
        let writer =
            SqliteWriter::open(&path, SqliteSynchronous::Normal, db.pool().clone()).unwrap();
        (dir, writer, db)
    }

    /// 20 transactions of 100 rows of about 220 bytes (some 1.2 MiB of WAL),
    /// serials after `from`.
    async fn fill(writer: &SqliteWriter, from: i64) {
        for batch in 0..20_i64 {
            writer
                .transaction(move |tx| {
                    for i in 0..100 {
                        let serial = from + batch * 100 + i + 1;
                        tx.execute(
                            "INSERT INTO card_serials (serial, card_number, issued_at) VALUES ($1, $2, 0)",
                            numbered(&[&serial, &format!("{serial:0>200}")]).as_slice(),
                        )?;
                    }
                    Ok::<_, DbError>(())
                })
                .await
                .unwrap();
        }
    }

    /// Start a job that holds the writer thread (and with it the gate) from
    /// the moment this returns until the returned sender is used; then it
    /// runs `then` in its transaction. Jobs sent meanwhile queue up.
    async fn hold_the_writer(
        writer: &Arc<SqliteWriter>,
        then: impl FnOnce(&mut Connection) -> Result<(), DbError> + Send + 'static,
    ) -> (
        tokio::task::JoinHandle<Result<(), DbError>>,
        mpsc::Sender<()>,
    ) {
        let (opened, mut is_open) = tokio::sync::mpsc::unbounded_channel();
        let (proceed, may_proceed) = mpsc::channel::<()>();
        let writer = writer.clone();
        let job = tokio::spawn(async move {
            writer
                .transaction(move |tx| {
                    opened.send(()).unwrap();
                    may_proceed.recv().unwrap();
                    then(tx)
                })
                .await
        });
        is_open.recv().await.unwrap();
        (job, proceed)
    }

    fn insert_serial(tx: &Connection, serial: i64) -> rusqlite::Result<usize> {
        tx.execute(
            "INSERT INTO card_serials (serial, card_number, issued_at) VALUES ($1, $2, $3)",
            numbered(&[&serial, &format!("n{serial}"), &0_i64]).as_slice(),
        )
    }

    async fn serials(db: &super::super::Db) -> Vec<i64> {
        sqlx::query_scalar("SELECT serial FROM card_serials ORDER BY serial")
            .fetch_all(db.pool())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_committed_transaction_is_seen_by_sqlx_and_a_failed_one_leaves_nothing() {
        let (_dir, writer, db) = writer_and_pool().await;
        writer
            .transaction(|tx| {
                insert_serial(tx, 1).map_err(DbError::from)?;
                insert_serial(tx, 2).map_err(DbError::from)
            })
            .await
            .unwrap();
        let failed = writer
            .transaction(|tx| {
                insert_serial(tx, 3).map_err(DbError::from)?;
                // The same serial again: a UNIQUE violation after a good insert.
                insert_serial(tx, 1).map_err(DbError::from)
            })
            .await
            .unwrap_err();
        assert!(failed.is_unique_violation(), "{failed}");
        assert_eq!(serials(&db).await, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_panicking_transaction_is_an_error_and_the_writer_keeps_working() {
        let (_dir, writer, db) = writer_and_pool().await;
        let panicked = writer
            .transaction(|tx| -> Result<(), DbError> {
                insert_serial(tx, 7)?;
                panic!("a bug in a transaction");
            })
            .await
            .unwrap_err();
        assert!(matches!(panicked, DbError::Writer(_)), "{panicked}");
        writer
            .transaction(|tx| insert_serial(tx, 8).map_err(DbError::from))
            .await
            .unwrap();
        assert_eq!(serials(&db).await, vec![8]);
    }

    #[tokio::test]
    async fn sqlx_waits_while_a_writer_transaction_is_open() {
        let (_dir, writer, db) = writer_and_pool().await;
        let (running, proceed) = hold_the_writer(&Arc::new(writer), |tx| {
            insert_serial(tx, 1)?;
            Ok(())
        })
        .await;
        // The transaction is open on the writer thread: sqlx's only connection
        // is taken, so no sqlx statement can meet it inside SQLite.
        assert!(db.pool().try_acquire().is_none());
        proceed.send(()).unwrap();
        running.await.unwrap().unwrap();
        // (sqlx returns the connection to the pool from a task of its own;
        // this read waits for it.)
        assert_eq!(serials(&db).await, vec![1]);
    }

    #[tokio::test]
    async fn sqlx_gets_its_turn_while_jobs_keep_coming() {
        let (_dir, writer, db) = writer_and_pool().await;
        let writer = Arc::new(writer);
        // A first job holds the thread (and the gate) while 200 more queue
        // up and a sqlx read waits for the connection.
        let (first, proceed) = hold_the_writer(&writer, |_| {
            // The gate has now been held for a whole turn.
            std::thread::sleep(GATE_TURN);
            Ok(())
        })
        .await;
        let queued: Vec<_> = (1..=200)
            .map(|serial| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .transaction(move |tx| insert_serial(tx, serial).map_err(DbError::from))
                        .await
                })
            })
            .collect();
        let read = {
            let db = db.clone();
            tokio::spawn(async move { serials(&db).await.len() })
        };
        // The current-thread runtime runs the spawned tasks up to their
        // `await` (jobs queued, the read waiting on the pool) first.
        tokio::task::yield_now().await;
        proceed.send(()).unwrap();
        first.await.unwrap().unwrap();
        // Jobs were still queued when the turn was over: the read, waiting
        // first, got the connection before them.
        assert_eq!(read.await.unwrap(), 0);
        for q in queued {
            q.await.unwrap().unwrap();
        }
        assert_eq!(serials(&db).await.len(), 200);
    }

    #[tokio::test]
    async fn in_one_batch_a_failed_job_is_undone_alone() {
        let (_dir, writer, db) = writer_and_pool().await;
        let writer = Arc::new(writer);
        // Hold the thread in a first job so the next three queue up and are
        // committed together.
        let (first, proceed) = hold_the_writer(&writer, |_| Ok(())).await;
        let queued: Vec<_> = [(1, 1), (2, 1), (3, 3)]
            .into_iter()
            .map(|(serial, number)| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .transaction(move |tx| {
                            insert_serial(tx, serial)?;
                            // Job 2 reuses job 1's card number: UNIQUE fails
                            // after its own serial row was inserted.
                            tx.execute(
                                "UPDATE card_serials SET card_number = $1 WHERE serial = $2",
                                numbered(&[&format!("c{number}"), &serial]).as_slice(),
                            )
                            .map_err(DbError::from)
                        })
                        .await
                })
            })
            .collect();
        // The current-thread runtime runs the spawned tasks up to their
        // `await` on the writer before this task continues.
        tokio::task::yield_now().await;
        proceed.send(()).unwrap();
        first.await.unwrap().unwrap();
        let mut outcomes = Vec::new();
        for q in queued {
            outcomes.push(q.await.unwrap());
        }
        assert!(outcomes[0].is_ok());
        assert!(outcomes[1].as_ref().unwrap_err().is_unique_violation());
        assert!(outcomes[2].is_ok());
        assert_eq!(serials(&db).await, vec![1, 3]);
    }

    #[tokio::test]
    async fn readers_see_what_the_writer_committed_and_cannot_write() {
        let (dir, writer, _db) = writer_and_pool().await;
        writer
            .transaction(|tx| insert_serial(tx, 5).map_err(DbError::from))
            .await
            .unwrap();
        let readers = SqliteReaders::new(&dir.path().join("w.db"));
        let count = |readers: &SqliteReaders| {
            readers
                .read(|conn| {
                    Ok(
                        conn.query_row("SELECT COUNT(*) FROM card_serials", [], |r| {
                            r.get::<_, i64>(0)
                        })?,
                    )
                })
                .unwrap()
        };
        assert_eq!(count(&readers), 1);
        let refused = readers
            .read(|conn| Ok(insert_serial(conn, 6)?))
            .unwrap_err();
        assert!(matches!(refused, DbError::Sqlite(_)), "{refused}");
        // A pooled reader sees later commits too.
        writer
            .transaction(|tx| insert_serial(tx, 7).map_err(DbError::from))
            .await
            .unwrap();
        assert_eq!(count(&readers), 2);
    }

    #[tokio::test]
    async fn the_writer_has_no_automatic_checkpoints_and_the_checkpointer_copies_the_wal() {
        let (dir, writer, _db) = writer_and_pool().await;
        let path = dir.path().join("w.db");
        // The writer's own connection does not checkpoint after commits.
        let auto: i64 = writer
            .transaction(|tx| {
                Ok::<_, DbError>(tx.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(auto, 0);
        let before = std::fs::metadata(&path).unwrap().len();
        fill(&writer, 0).await;
        // New pages reach the database file only through a checkpoint, and
        // nobody else checkpoints here: wait for the file to grow (a
        // condition with a generous deadline, not a timing assertion).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().len() <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "the WAL was never checkpointed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The WAL header's checkpoint sequence number (big-endian u32 at offset
    /// 12, sqlite.org/fileformat.html): it grows each time the WAL restarts.
    fn wal_restarts(db_path: &Path) -> u32 {
        let wal = std::fs::read(db_path.with_extension("db-wal")).unwrap();
        u32::from_be_bytes(wal[12..16].try_into().unwrap())
    }

    #[tokio::test]
    async fn a_finishing_checkpoint_on_the_writer_restarts_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let db = super::super::open(&path.clone().into(), SqliteSynchronous::Normal)
            .await
            .unwrap();
        // No checkpointer thread: nothing copies the WAL unless the writer
        // is asked to.
        let writer = SqliteWriter::start(
            &path,
            SqliteSynchronous::Normal,
            db.pool().clone(),
            Checkpoints::by_hand(),
        )
        .unwrap();
        fill(&writer, 0).await;
        let wal_size = || {
            std::fs::metadata(path.with_extension("db-wal"))
                .unwrap()
                .len()
        };
        let (size, restarts) = (wal_size(), wal_restarts(&path));
        fill(&writer, 10_000).await;
        assert!(wal_size() > size, "without a checkpoint the WAL only grows");
        assert_eq!(wal_restarts(&path), restarts);

        // Asked to finish, the writer checkpoints after its next batch, and
        // the batch after that starts the WAL over.
        writer.finish.store(true, Ordering::Relaxed);
        writer
            .transaction(|tx| insert_serial(tx, 99_999).map_err(DbError::from))
            .await
            .unwrap();
        let size = wal_size();
        fill(&writer, 20_000).await;
        // (The writer answers a batch before it checkpoints: the request is
        // surely taken once a later batch has been answered.)
        assert!(!writer.finish.load(Ordering::Relaxed));
        assert_eq!(wal_restarts(&path), restarts + 1);
        assert_eq!(wal_size(), size, "the WAL was written over, not grown");
        assert_eq!(serials(&db).await.len(), 6_001);
    }

    #[test]
    fn only_a_long_wal_with_a_short_tail_is_finished_by_the_writer() {
        assert!(wants_finish(RESTART_FRAMES, RESTART_FRAMES));
        assert!(wants_finish(
            RESTART_FRAMES * 4,
            RESTART_FRAMES * 4 - FINISH_FRAMES
        ));
        assert!(!wants_finish(
            RESTART_FRAMES * 4,
            RESTART_FRAMES * 4 - FINISH_FRAMES - 1
        ));
        assert!(!wants_finish(RESTART_FRAMES - 1, RESTART_FRAMES - 1));
    }
}
