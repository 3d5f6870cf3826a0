//! `openssl ocsp` as a responder on loopback for tests (this crate's
//! `ocsp.rs`, and the client's end-to-end OCSP test through `#[path]`).
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shiori_core::cert::JpkiCertificate;
use shiori_core::virtual_card::CardImage;

pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

/// A test card's certificate from EF `file` (`0001` signing, `000A` auth).
pub fn card_certificate(name: &str, file: &str) -> JpkiCertificate {
    let img: CardImage = serde_json::from_slice(
        &std::fs::read(vectors().join(format!("cards/{name}.json"))).unwrap(),
    )
    .unwrap();
    JpkiCertificate::from_ef_contents(&hex::decode(&img.files[file]).unwrap()).unwrap()
}

/// What the responder knows about one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Good,
    Revoked,
}

pub fn openssl(args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl {args:?}");
}

/// `openssl ocsp` serving an index for the g1 signing root, signed by `key`.
pub struct Responder {
    child: Child,
    pub port: u16,
    _dir: TempDir,
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A responder for the root `ca` (a test-vectors/pki name, e.g.
/// `sign-root-g1`), signing with `signer` (`<name>.der` and
/// `<name>.TEST-KEY.pk8.der` in test-vectors/pki), that knows `entries`.
/// `None` only off CI when openssl is missing.
pub fn start(
    tag: &str,
    ca: &str,
    signer: &str,
    entries: &[(&JpkiCertificate, Status)],
) -> Option<Responder> {
    if Command::new("openssl").arg("version").output().is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "openssl is required on CI"
        );
        eprintln!("skipping: no openssl");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("shiori-ocsp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).display().to_string();
    let pki = |f: &str| vectors().join("pki").join(f).display().to_string();
    openssl(&[
        "x509",
        "-inform",
        "der",
        "-in",
        &pki(&format!("{ca}.der")),
        "-out",
        &p("ca.pem"),
    ]);
    openssl(&[
        "x509",
        "-inform",
        "der",
        "-in",
        &pki(&format!("{signer}.der")),
        "-out",
        &p("signer.pem"),
    ]);
    openssl(&[
        "pkey",
        "-inform",
        "der",
        "-in",
        &pki(&format!("{signer}.TEST-KEY.pk8.der")),
        "-out",
        &p("key.pem"),
    ]);
    let index: String = entries
        .iter()
        .map(|(c, status)| {
            let (flag, revoked) = match status {
                Status::Good => ("V", ""),
                Status::Revoked => ("R", "250601000000Z"),
            };
            format!(
                "{flag}\t300331145959Z\t{revoked}\t{}\tunknown\t/CN=test\n",
                c.serial_hex()
            )
        })
        .collect();
    std::fs::write(dir.join("index.txt"), index).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("openssl")
        .args([
            "ocsp",
            "-index",
            &p("index.txt"),
            "-CA",
            &p("ca.pem"),
            "-rsigner",
            &p("signer.pem"),
            "-rkey",
            &p("key.pem"),
        ])
        .args(["-port", &port.to_string(), "-ndays", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready when it says so on stderr ("ocsp: waiting for OCSP client connections...").
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        text.clear();
        if err.read_line(&mut text).unwrap() == 0 {
            break;
        }
        if text
            .to_ascii_lowercase()
            .contains("waiting for ocsp client connections")
        {
            std::thread::spawn(move || for _ in err.lines() {});
            return Some(Responder {
                child,
                port,
                _dir: TempDir(dir),
            });
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("openssl ocsp did not start: {text}");
}
