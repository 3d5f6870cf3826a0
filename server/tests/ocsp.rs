//! The OCSP checker against `openssl ocsp` running as a responder on loopback,
//! with the TEST roots: good, revoked, unknown, a responder signing with a
//! rogue key, a replayed nonce, and a responder that is down.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use shiori_core::cert::JpkiCertificate;
use shiori_core::virtual_card::CardImage;
use shiori_server::verify::{OcspChecker, RevocationChecker, RevocationError};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

fn leaf(name: &str) -> JpkiCertificate {
    let img: CardImage = serde_json::from_slice(
        &std::fs::read(vectors().join(format!("cards/{name}.json"))).unwrap(),
    )
    .unwrap();
    JpkiCertificate::from_ef_contents(&hex::decode(&img.files["0001"]).unwrap()).unwrap()
}

fn root(file: &str) -> JpkiCertificate {
    JpkiCertificate::from_der(&std::fs::read(vectors().join("pki").join(file)).unwrap()).unwrap()
}

fn openssl(args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl {args:?}");
}

/// `openssl ocsp` serving an index for the g1 signing root, signed by `key`.
struct Responder {
    child: Child,
    port: u16,
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

/// `signer` is the responder certificate and key pair (`<name>.der` and
/// `<name>.TEST-KEY.pk8.der` in test-vectors/pki).
fn start(tag: &str, signer: &str) -> Option<Responder> {
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
        &pki("sign-root-g1.der"),
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
    let line = |status: &str, c: &JpkiCertificate| {
        let revoked = if status == "R" { "250601000000Z" } else { "" };
        format!(
            "{status}\t300331145959Z\t{revoked}\t{}\tunknown\t/CN=test\n",
            c.serial_hex()
        )
    };
    let index = line("V", &leaf("tanaka-hanako")) + &line("R", &leaf("watanabe-revoked"));
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

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn checker(port: u16) -> OcspChecker {
    let counter = std::sync::Mutex::new(0u8);
    OcspChecker::new(
        format!("http://127.0.0.1:{port}"),
        Duration::from_secs(5),
        Box::new(move || {
            let mut c = counter.lock().unwrap();
            *c = c.wrapping_add(1);
            [*c; 16]
        }),
    )
}

#[test]
fn good_revoked_and_unknown() {
    let Some(r) = start("main", "sign-root-g1") else {
        return;
    };
    let issuer = root("sign-root-g1.der");
    let c = checker(r.port);
    assert_eq!(c.check(&leaf("tanaka-hanako"), &issuer, now()), Ok(()));
    assert_eq!(
        c.check(&leaf("watanabe-revoked"), &issuer, now()),
        Err(RevocationError::Revoked)
    );
    // Not in the responder's index.
    assert!(matches!(
        c.check(&leaf("takahashi-kazuko"), &issuer, now()),
        Err(RevocationError::Unavailable(_))
    ));
}

#[test]
fn response_signed_by_a_rogue_root_with_the_same_dn_is_not_trusted() {
    let Some(r) = start("rogue", "rogue-sign-root") else {
        return;
    };
    let issuer = root("sign-root-g1.der");
    let e = checker(r.port)
        .check(&leaf("watanabe-revoked"), &issuer, now())
        .unwrap_err();
    assert!(
        matches!(&e, RevocationError::Unavailable(w) if w.contains("not signed")),
        "{e:?}"
    );
}

#[test]
fn a_response_too_new_or_stale_is_refused() {
    let Some(r) = start("time", "sign-root-g1") else {
        return;
    };
    let issuer = root("sign-root-g1.der");
    // Two days on, the response's nextUpdate (-ndays 1) has passed.
    let e = checker(r.port)
        .check(&leaf("tanaka-hanako"), &issuer, now() + 2 * 86_400)
        .unwrap_err();
    assert!(
        matches!(&e, RevocationError::Unavailable(w) if w.contains("expired")),
        "{e:?}"
    );
    // An hour in the past, thisUpdate lies in the future.
    let e = checker(r.port)
        .check(&leaf("tanaka-hanako"), &issuer, now() - 3_600)
        .unwrap_err();
    assert!(
        matches!(&e, RevocationError::Unavailable(w) if w.contains("future")),
        "{e:?}"
    );
}

#[test]
fn responder_down_is_unavailable_not_good() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    let e = checker(port)
        .check(&leaf("tanaka-hanako"), &root("sign-root-g1.der"), now())
        .unwrap_err();
    assert!(matches!(e, RevocationError::Unavailable(_)));
}
