//! A bad CRL file is logged once per content. In a test binary of its
//! own: `tracing`'s interest cache is global to the process, and other
//! tests that hit the same log callsite on other threads without a
//! subscriber made this test miss its log lines about one run in eight
//! when it shared `verify.rs`'s binary (alone: none in hundreds).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use shiori_core::cert::{CertificatePurpose as Purpose, PolicyKind};
use shiori_core::virtual_card::CardImage;
use shiori_server::verify::{ChainVerifier, CrlDirectory, TrustAnchors, VerifyError};

fn vector(rel: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors");
    std::fs::read(root.join(rel)).unwrap()
}

fn card_file(name: &str, fid: &str) -> Vec<u8> {
    let img: CardImage = serde_json::from_slice(&vector(&format!("cards/{name}.json"))).unwrap();
    let bytes = hex::decode(&img.files[fid]).unwrap();
    let n = shiori_core::cert::der_length(&bytes).unwrap();
    bytes[..n].to_vec()
}

fn test_anchors() -> TrustAnchors {
    let (s1, s2, a1, a2) = (
        vector("pki/sign-root-g1.der"),
        vector("pki/sign-root-g2.der"),
        vector("pki/auth-root-g1.der"),
        vector("pki/auth-root-g2.der"),
    );
    TrustAnchors::from_der(&[&s1, &s2], &[&a1, &a2]).unwrap()
}

/// 2026-01-01T00:00:00Z: inside every valid test certificate.
const NOW: i64 = 1_767_225_600;

fn code(r: Result<impl std::fmt::Debug, VerifyError>) -> &'static str {
    r.map(|_| "ok").unwrap_or_else(|e| e.code())
}

/// Log lines written while `f` runs on this thread (the `tracing` output as
/// an operator sees it).
fn logged_while(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = buffer.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_bad_crl_file_is_logged_once_per_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let crls = Arc::new(CrlDirectory::new(dir.clone(), test_anchors()));
    let v = ChainVerifier::new(test_anchors(), PolicyKind::Test, crls.clone());
    let tanaka = card_file("tanaka-hanako", "0001");
    for f in ["sign-g1.crl", "sign-g2.crl"] {
        std::fs::write(dir.join(f), vector(&format!("crl/{f}"))).unwrap();
    }
    std::fs::write(dir.join("garbage.crl"), b"not a crl").unwrap();
    // A CRL whose signature does not verify under any anchor.
    let mut forged = vector("crl/auth-g1.crl");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    std::fs::write(dir.join("forged.crl"), &forged).unwrap();

    let log = logged_while(|| assert_eq!(code(v.verify(&tanaka, Purpose::Signing, NOW)), "ok"));
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(".crl")).collect();
    assert_eq!(lines.len(), 2, "one line per bad file: {log}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("garbage.crl") && l.contains("not_a_crl")),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("forged.crl") && l.contains("not_signed_by_anchor")),
        "{log}"
    );

    // Requests and rescans that find the same bytes log nothing again, even
    // when another file of the directory changed and everything was reloaded.
    let log = logged_while(|| {
        for t in [NOW + 1, NOW + 60, NOW + 120] {
            assert_eq!(code(v.verify(&tanaka, Purpose::Signing, t)), "ok");
        }
        std::fs::write(dir.join("auth-g1.crl"), vector("crl/auth-g1.crl")).unwrap();
        assert_eq!(code(v.verify(&tanaka, Purpose::Signing, NOW + 180)), "ok");
    });
    assert!(
        !log.contains("garbage.crl") && !log.contains("forged.crl"),
        "{log}"
    );

    // Replacing a bad file logs it again only when its new bytes are bad too.
    let log = logged_while(|| {
        std::fs::write(dir.join("garbage.crl"), b"still not a crl").unwrap();
        std::fs::write(dir.join("forged.crl"), vector("crl/auth-g2.crl")).unwrap();
        assert_eq!(code(v.verify(&tanaka, Purpose::Signing, NOW + 240)), "ok");
    });
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("garbage.crl"), "{log}");
}
