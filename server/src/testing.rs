//! Test support shared by this crate's tests and the crates that embed the
//! server in theirs (client, CLI, benchmarks): which database a test server
//! gets.
//!
//! By default a test server runs on an SQLite file in the test's temporary
//! directory. With `SHIORI_TEST_POSTGRES` set to a PostgreSQL URL (a role
//! that may create databases; `.ci/run` starts a throwaway server with
//! `scripts/postgres.sh` and runs the server and client suites a second time
//! with it), every test server gets a new, empty database on that server
//! instead, so the same tests cover both back-ends.

use std::path::Path;

use sqlx::{Connection, Executor};

use crate::config::Database;
use crate::StartError;

/// The environment variable that selects PostgreSQL for tests.
pub const POSTGRES_ENV: &str = "SHIORI_TEST_POSTGRES";

/// A database for one test server: `dir/shiori.db`, or a fresh database on
/// the server `SHIORI_TEST_POSTGRES` names.
pub async fn test_database(dir: &Path) -> Result<Database, StartError> {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin) if !admin.is_empty() => fresh_postgres_database(&admin).await,
        _ => Ok(dir.join("shiori.db").into()),
    }
}

/// Create an empty database `shiori_test_<random>` on the server at
/// `admin_url` and return its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> Result<Database, StartError> {
    sqlx::any::install_default_drivers();
    let name = format!("shiori_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    conn.close().await?;
    let mut url = url::Url::parse(admin_url)
        .map_err(|e| StartError::Config(format!("{POSTGRES_ENV}: {e}")))?;
    url.set_path(&name);
    Ok(url.as_str().to_owned().into())
}

/// Patrons for tests and load generators, written straight into the
/// database without a card (synthetic facts `テスト　利用者N`, born
/// 2000-01-01): the card-number scheme and sessions are the real ones.
/// Returns each patron's session token, in order. Never for production data.
pub async fn seed_patrons(
    state: &crate::AppState,
    count: usize,
) -> Result<Vec<String>, crate::ApiErrorResponse> {
    use crate::store::patrons::{self, Contact, Facts, NewPatron};
    let mut tokens = Vec::with_capacity(count);
    let now = state.now();
    let mut n = 0;
    while n < count {
        let mut tx = crate::store::begin_write(&state.inner().db).await?;
        for _ in 0..(count - n).min(500) {
            let id = hex::encode(rand::random::<[u8; 16]>());
            let (serial, number) = crate::flows::issue_card_number(&mut *tx, state, now).await?;
            let facts = Facts {
                name: format!("テスト\u{3000}利用者{serial}"),
                address: "東京都テスト区栞町一丁目1番1号".into(),
                birth_date: "2000-01-01".into(),
                gender: shiori_core::cert::Gender::Unknown,
            };
            let contact = Contact {
                email: format!("patron{serial}@example.jp"),
                name_kana: None,
                phone: None,
                home_branch: None,
            };
            patrons::insert(
                &mut tx,
                &NewPatron {
                    id: &id,
                    facts: &facts,
                    contact: &contact,
                    card_serial: serial,
                    card_number: number.digits(),
                },
                now,
            )
            .await?;
            let session = crate::flows::new_session(&mut *tx, state, &id, now).await?;
            tokens.push(session.token);
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(tokens)
}

/// A server answering on a free loopback port from a runtime of its own, for
/// tests written as blocking code (the client, the CLI, the mobile facade).
/// Dropping it stops the server.
pub struct LoopbackServer {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The running server's state (database, clock, configuration).
    pub state: crate::AppState,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl LoopbackServer {
    /// Bind a free port, build the configuration for its origin with
    /// `config_for`, start up (database, migrations) and serve. Start-up
    /// errors come back here rather than as refused connections later.
    pub fn start(config_for: impl FnOnce(&str) -> crate::Config) -> Result<Self, StartError> {
        Self::start_on(runtime()?, config_for)
    }

    /// The TEST configuration on [`test_database`] (SQLite in `dir`, or a
    /// fresh PostgreSQL database when `SHIORI_TEST_POSTGRES` is set), after
    /// `adjust` has changed it.
    pub fn start_test(
        dir: &Path,
        adjust: impl FnOnce(&mut crate::Config),
    ) -> Result<Self, StartError> {
        let runtime = runtime()?;
        let db = runtime.block_on(test_database(dir))?;
        Self::start_on(runtime, |origin| {
            let mut config = crate::Config::test_defaults(db, origin);
            adjust(&mut config);
            config
        })
    }

    fn start_on(
        runtime: tokio::runtime::Runtime,
        config_for: impl FnOnce(&str) -> crate::Config,
    ) -> Result<Self, StartError> {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .map_err(StartError::Io)?;
        let origin = format!("http://{}", listener.local_addr().map_err(StartError::Io)?);
        let config = config_for(&origin);
        let (router, state) = runtime.block_on(crate::build_app(config))?;
        runtime.spawn(async move { axum::serve(listener, router).await });
        Ok(Self {
            origin,
            state,
            runtime,
        })
    }

    /// Run `f` on the server's runtime (e.g. an import into `state`).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, StartError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(StartError::Io)
}

/// Take every staff password-hashing slot of `state` until the returned
/// guard is dropped, so that a test can see a login refused as busy
/// without racing real hashes.
pub async fn occupy_password_hash_slots(
    state: &crate::AppState,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    state.inner().hash_slots.occupy_all().await
}
