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
    _runtime: tokio::runtime::Runtime,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn start(tag: &str) -> Server {
    let dir = std::env::temp_dir().join(format!("shiori-client-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let config = shiori_server::Config::test_defaults(dir.join("shiori.db"), &origin);
    runtime.spawn(shiori_server::serve(listener, config));
    Server {
        origin,
        _runtime: runtime,
        dir,
    }
}
