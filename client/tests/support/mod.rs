//! An embedded Shiori server on loopback for the client's tests.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use shiori_core::virtual_card::CardImage;

pub fn image(name: &str) -> CardImage {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../test-vectors/cards/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

pub struct Server {
    pub origin: String,
    _server: shiori_server::testing::LoopbackServer,
    pub dir: PathBuf,
}

impl Server {
    fn new(server: shiori_server::testing::LoopbackServer, dir: PathBuf) -> Self {
        Server {
            origin: server.origin.clone(),
            _server: server,
            dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start(tag: &str) -> Server {
    start_with(tag, |_| {})
}

/// Start a server whose TEST configuration `adjust` may change first.
pub fn start_with(tag: &str, adjust: impl FnOnce(&mut shiori_server::Config)) -> Server {
    let dir = scratch(tag);
    Server::new(
        shiori_server::testing::LoopbackServer::start_test(&dir, adjust).unwrap(),
        dir,
    )
}

/// `n` server instances on ONE database, all configured with the public
/// origin `public_origin` (as behind a load balancer). The first owns the
/// scratch directory.
pub fn start_instances(tag: &str, n: usize, public_origin: &str) -> Vec<Server> {
    let dir = scratch(tag);
    let db = block_on(shiori_server::testing::test_database(&dir)).unwrap();
    (0..n)
        .map(|i| {
            let own = if i == 0 {
                dir.clone()
            } else {
                scratch(&format!("{tag}-{i}"))
            };
            start_on(own, db.clone(), |c| c.public_origin = public_origin.into())
        })
        .collect()
}

pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shiori-client-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn start_on(
    dir: PathBuf,
    db: shiori_server::Database,
    adjust: impl FnOnce(&mut shiori_server::Config),
) -> Server {
    let server = shiori_server::testing::LoopbackServer::start(|origin| {
        let mut config = shiori_server::Config::test_defaults(db, origin);
        adjust(&mut config);
        config
    })
    .unwrap();
    Server::new(server, dir)
}
