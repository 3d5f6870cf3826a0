//! The OCSP checker against `openssl ocsp` running as a responder on loopback,
//! with the TEST roots: good, revoked, unknown, a responder signing with a
//! rogue key, a replayed nonce, and a responder that is down.
#![allow(clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shiori_core::cert::JpkiCertificate;
use shiori_server::verify::{OcspChecker, RevocationChecker, RevocationError};

mod support {
    pub mod ocsp_responder;
}
use support::ocsp_responder::{self, card_certificate, vectors, Responder, Status};

fn leaf(name: &str) -> JpkiCertificate {
    card_certificate(name, "0001")
}

fn root(file: &str) -> JpkiCertificate {
    JpkiCertificate::from_der(&std::fs::read(vectors().join("pki").join(file)).unwrap()).unwrap()
}

/// The g1 signing root's responder (signing with `signer`) knowing
/// tanaka-hanako (good) and watanabe-revoked (revoked).
fn start(tag: &str, signer: &str) -> Option<Responder> {
    ocsp_responder::start(
        tag,
        "sign-root-g1",
        signer,
        &[
            (&leaf("tanaka-hanako"), Status::Good),
            (&leaf("watanabe-revoked"), Status::Revoked),
        ],
    )
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
