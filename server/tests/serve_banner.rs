//! `shiori-server serve` without `--config` warns loudly that it runs a TEST
//! setup; the warning must name the origin, address and database actually in
//! force after the `SHIORI_*` environment overrides, not the defaults.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_test_banner_names_the_origin_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("banner.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shiori-server"))
        .arg("serve")
        .current_dir(dir.path())
        .env("SHIORI_PUBLIC_ORIGIN", "https://library.example.jp")
        .env("SHIORI_LISTEN", "127.0.0.1:0")
        .env("SHIORI_DATABASE", &db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // The banner comes before anything is opened; stop reading there.
    let banner = stderr
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("WARNING"))
        .unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        banner.contains("origin https://library.example.jp"),
        "{banner}"
    );
    assert!(banner.contains("127.0.0.1:0"), "{banner}");
    assert!(banner.contains("banner.db"), "{banner}");
    assert!(!banner.contains("8080"), "{banner}");
}
