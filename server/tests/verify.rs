//! Path validation: the real J-LIS roots and a real card, and one test per
//! rejection code on the generated TEST PKI.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use shiori_core::cert::{CertificatePurpose as Purpose, PolicyKind};
use shiori_core::virtual_card::CardImage;
use shiori_server::verify::{
    ChainVerifier, CrlDirectory, NoRevocationCheck, TrustAnchors, VerifyError,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file from the shared folder beside the repository; absent only outside CI.
fn shared(rel: &str) -> Option<Vec<u8>> {
    let p = root().join("../shared").join(rel);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("{p:?}: {e}"),
        Err(_) => {
            eprintln!("skipping: {p:?} not present");
            None
        }
    }
}

fn vector(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("test-vectors").join(rel)).unwrap()
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

fn test_verifier() -> ChainVerifier {
    let crls = CrlDirectory::new(root().join("test-vectors/crl"), test_anchors());
    ChainVerifier::new(test_anchors(), PolicyKind::Test, Arc::new(crls))
}

/// 2026-01-01T00:00:00Z: inside every valid test certificate.
const NOW: i64 = 1_767_225_600;

fn code(r: Result<impl std::fmt::Debug, VerifyError>) -> &'static str {
    r.map(|_| "ok").unwrap_or_else(|e| e.code())
}

#[test]
fn real_card_auth_certificate_against_real_roots() {
    let Some(cert) = shared("real-card/auth-cert-myna.cer") else {
        return;
    };
    let names = ["authca01.cer", "authca02.cer", "authca03.cer"];
    let auth: Vec<Vec<u8>> = names
        .iter()
        .filter_map(|n| shared(&format!("jpki-roots/{n}")))
        .collect();
    let sign: Vec<Vec<u8>> = ["signca01.cer", "signca02.cer", "signca03.cer"]
        .iter()
        .filter_map(|n| shared(&format!("jpki-roots/{n}")))
        .collect();
    let anchors = TrustAnchors::from_der(
        &sign.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        &auth.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    )
    .unwrap();
    let v = ChainVerifier::new(anchors, PolicyKind::Production, Arc::new(NoRevocationCheck));
    // 2020-09-13: inside 2019-07-25 → 2024-05-02T14:59:59Z.
    let ok = v
        .verify(&cert, Purpose::Authentication, 1_600_000_000)
        .unwrap();
    assert_eq!(
        ok.issuer.fingerprint_sha256()[..4],
        [0x4D, 0xCF, 0xC4, 0xCA],
        "authca01 issued it"
    );
    // One second after notAfter, and before notBefore.
    assert_eq!(
        code(v.verify(&cert, Purpose::Authentication, 1_714_661_999 + 1)),
        "expired"
    );
    assert_eq!(
        code(v.verify(&cert, Purpose::Authentication, 1_714_661_999)),
        "ok"
    );
    assert_eq!(
        code(v.verify(&cert, Purpose::Authentication, 1_500_000_000)),
        "not_yet_valid"
    );
    assert_eq!(
        code(v.verify(&cert, Purpose::Signing, 1_600_000_000)),
        "wrong_purpose"
    );
    // The real card's signature over message1.txt, with the verified key.
    let (Some(msg), Some(sig)) = (
        shared("real-card/message1.txt"),
        shared("real-card/auth-message1-sha256rsapkcs.sig"),
    ) else {
        return;
    };
    ok.certificate
        .public_key()
        .verify_pkcs1_sha256(&msg, &sig)
        .unwrap();
    // A test-policy server does not accept production certificates.
    let test_policy = ChainVerifier::new(
        test_anchors(),
        PolicyKind::Test,
        Arc::new(NoRevocationCheck),
    );
    assert_eq!(
        code(test_policy.verify(&cert, Purpose::Authentication, 1_600_000_000)),
        "wrong_policy"
    );
}

#[test]
fn real_roots_load_as_anchors_and_reject_real_cert_from_other_generation_only() {
    let Some(a2) = shared("jpki-roots/authca02.cer") else {
        return;
    };
    let Some(a3) = shared("jpki-roots/authca03.cer") else {
        return;
    };
    let Some(s1) = shared("jpki-roots/signca01.cer") else {
        return;
    };
    let Some(cert) = shared("real-card/auth-cert-myna.cer") else {
        return;
    };
    // Same DN as authca01, other keys: the 2015 certificate must not chain.
    let anchors = TrustAnchors::from_der(&[&s1], &[&a2, &a3]).unwrap();
    let v = ChainVerifier::new(anchors, PolicyKind::Production, Arc::new(NoRevocationCheck));
    assert_eq!(
        code(v.verify(&cert, Purpose::Authentication, 1_600_000_000)),
        "unknown_issuer"
    );
}

#[test]
fn test_pki_accepts_good_cards_from_both_generations() {
    let v = test_verifier();
    for name in ["tanaka-hanako", "sato-ichiro", "takahashi-kazuko"] {
        let s = v
            .verify(&card_file(name, "0001"), Purpose::Signing, NOW)
            .unwrap();
        assert!(s.certificate.basic_info().is_some(), "{name}");
        v.verify(&card_file(name, "000A"), Purpose::Authentication, NOW)
            .unwrap();
    }
    // sato's certificates come from the second generation: the same DN.
    let g1 = v
        .verify(&card_file("tanaka-hanako", "0001"), Purpose::Signing, NOW)
        .unwrap()
        .issuer;
    let g2 = v
        .verify(&card_file("sato-ichiro", "0001"), Purpose::Signing, NOW)
        .unwrap()
        .issuer;
    assert_eq!(g1.subject_der(), g2.subject_der());
    assert_ne!(g1.fingerprint_sha256(), g2.fingerprint_sha256());
}

#[test]
fn rejection_matrix() {
    let v = test_verifier();
    let tanaka_sign = card_file("tanaka-hanako", "0001");
    let tanaka_auth = card_file("tanaka-hanako", "000A");
    assert_eq!(
        code(v.verify(&card_file("rogue-card", "0001"), Purpose::Signing, NOW)),
        "unknown_issuer"
    );
    assert_eq!(
        code(v.verify(
            &card_file("rogue-card", "000A"),
            Purpose::Authentication,
            NOW
        )),
        "unknown_issuer"
    );
    assert_eq!(
        code(v.verify(&card_file("ito-expired", "0001"), Purpose::Signing, NOW)),
        "expired"
    );
    assert_eq!(
        code(v.verify(
            &card_file("watanabe-revoked", "0001"),
            Purpose::Signing,
            NOW
        )),
        "revoked"
    );
    assert_eq!(
        code(v.verify(
            &card_file("watanabe-revoked", "000A"),
            Purpose::Authentication,
            NOW
        )),
        "revoked"
    );
    assert_eq!(
        code(v.verify(&tanaka_sign, Purpose::Authentication, NOW)),
        "wrong_purpose"
    );
    assert_eq!(
        code(v.verify(&tanaka_auth, Purpose::Signing, NOW)),
        "wrong_purpose"
    );
    assert_eq!(
        code(v.verify(&vector("pki/sign-root-g1.der"), Purpose::Signing, NOW)),
        "ca_as_leaf"
    );
    assert_eq!(
        code(v.verify(&tanaka_sign, Purpose::Signing, 1_700_000_000)),
        "not_yet_valid"
    );
    assert_eq!(
        code(v.verify(b"\x30\x03\x02\x01\x00", Purpose::Signing, NOW)),
        "malformed_certificate"
    );
    assert_eq!(
        code(v.verify(&tanaka_sign[..100], Purpose::Signing, NOW)),
        "malformed_certificate"
    );
    // A flipped bit in the signature: the key identifier matches, the signature does not.
    let mut bad = tanaka_sign.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(code(v.verify(&bad, Purpose::Signing, NOW)), "bad_signature");
    // A production-policy server rejects JPKI-TEST certificates.
    let prod = ChainVerifier::new(
        test_anchors(),
        PolicyKind::Production,
        Arc::new(NoRevocationCheck),
    );
    assert_eq!(
        code(prod.verify(&tanaka_sign, Purpose::Signing, NOW)),
        "wrong_policy"
    );
}

#[test]
fn missing_crl_is_unavailable_and_new_files_are_picked_up() {
    let dir = tempdir();
    let v = ChainVerifier::new(
        test_anchors(),
        PolicyKind::Test,
        Arc::new(CrlDirectory::new(dir.clone(), test_anchors())),
    );
    let revoked = card_file("watanabe-revoked", "0001");
    assert_eq!(
        code(v.verify(&revoked, Purpose::Signing, NOW)),
        "revocation_unavailable"
    );
    for f in ["sign-g1.crl", "sign-g2.crl"] {
        std::fs::write(dir.join(f), vector(&format!("crl/{f}"))).unwrap();
    }
    // A CRL from a rogue issuer is ignored, not trusted.
    std::fs::write(dir.join("rogue.crl"), b"not a crl").unwrap();
    assert_eq!(
        code(v.verify(&revoked, Purpose::Signing, NOW + 60)),
        "revoked"
    );
    assert_eq!(
        code(v.verify(
            &card_file("tanaka-hanako", "0001"),
            Purpose::Signing,
            NOW + 60
        )),
        "ok"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> PathBuf {
    let p = std::env::temp_dir().join(format!("shiori-crl-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    assert!(Path::new(&p).is_dir());
    p
}
