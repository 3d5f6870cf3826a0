//! Hostile input: random bytes, every truncation of a real certificate, and
//! bit-flipped real certificates go into `der_length`, `JpkiCertificate`,
//! the SAN decoder and the SPKI parser. Each call must return `Ok` or a typed
//! `Err` (never panic), and a signature that still verifies after a mutation
//! must mean the signed bytes are unchanged.
//!
//! The real certificate comes from `shared/real-card/` (see
//! `cert_real_data.rs` for the CI rule); without it, a hand-made minimal
//! SEQUENCE stands in and the real-data cases are skipped.

mod shared_data;
use shared_data::shared_file;

use std::sync::OnceLock;

use proptest::prelude::*;
use shiori_core::cert::{
    der_length, BasicInfo, CertError, JpkiCertificate, RsaPublicKey, MAX_CERTIFICATE_DER_LEN,
};

/// The real auth certificate and its issuing root, loaded once.
fn real() -> Option<&'static (Vec<u8>, JpkiCertificate, JpkiCertificate)> {
    static REAL: OnceLock<Option<(Vec<u8>, JpkiCertificate, JpkiCertificate)>> = OnceLock::new();
    REAL.get_or_init(|| {
        let der = shared_file("real-card/auth-cert-myna.cer")?;
        let root = shared_file("jpki-roots/authca01.cer")?;
        let cert = JpkiCertificate::from_der(&der).expect("real cert");
        let root = JpkiCertificate::from_der(&root).expect("real root");
        Some((der, cert, root))
    })
    .as_ref()
}

/// Every error must carry a stable code and a message.
fn assert_typed(err: &CertError) {
    assert!(!err.code().is_empty());
    assert!(!err.to_string().is_empty());
}

/// Runs every entry point on `bytes`; none may panic.
fn exercise(bytes: &[u8]) {
    match der_length(bytes) {
        Ok(len) => assert!((2..=MAX_CERTIFICATE_DER_LEN).contains(&len)),
        Err(e) => assert_typed(&e),
    }
    match JpkiCertificate::from_der(bytes) {
        Ok(cert) => {
            assert_eq!(cert.der(), bytes);
            let _ = (
                cert.serial_hex(),
                cert.fingerprint_sha256(),
                cert.tbs_der().len(),
            );
        }
        Err(e) => assert_typed(&e),
    }
    if let Err(e) = JpkiCertificate::from_ef_contents(bytes) {
        assert_typed(&e);
    }
    if let Err(e) = BasicInfo::from_subject_alt_name(bytes) {
        assert_typed(&e);
    }
    if let Err(e) = RsaPublicKey::from_spki_der(bytes) {
        assert_typed(&e);
    }
}

#[test]
fn every_truncation_of_the_real_certificate_is_a_typed_error() {
    let Some((der, _, _)) = real() else {
        return;
    };
    for len in 0..der.len() {
        let err = JpkiCertificate::from_der(&der[..len]).expect_err("truncated");
        assert_typed(&err);
        exercise(&der[..len]);
    }
    // The header alone still gives the full length (the card's length probe).
    for len in 4..der.len() {
        assert_eq!(der_length(&der[..len]), Ok(der.len()));
    }
}

#[test]
fn trailing_bytes_after_a_cert_are_a_typed_error() {
    let Some((der, _, _)) = real() else {
        return;
    };
    let mut longer = der.clone();
    longer.push(0x00);
    assert_eq!(
        JpkiCertificate::from_der(&longer).map_err(|e| e.code()),
        Err("trailing_data")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_into_cert_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn random_cert_bodies_behind_a_valid_header_never_panic(
        body in proptest::collection::vec(any::<u8>(), 128..1600),
    ) {
        let mut bytes = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        bytes.extend_from_slice(&body);
        exercise(&bytes);
    }

    #[test]
    fn bit_flipped_real_certificate_is_ok_or_typed_error(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6),
    ) {
        let Some((der, original, root)) = real() else {
            return Ok(());
        };
        let mut mutated = der.clone();
        for (at, bit) in &flips {
            let i = at.index(mutated.len());
            mutated[i] ^= 1 << bit;
        }
        exercise(&mutated);
        if let Ok(cert) = JpkiCertificate::from_der(&mutated) {
            if cert.verify_issued_by(root).is_ok() {
                prop_assert_eq!(cert.tbs_der(), original.tbs_der());
                prop_assert_eq!(cert.signature_value(), original.signature_value());
            }
        }
    }

    #[test]
    fn spliced_real_certificate_is_ok_or_typed_error(
        at in any::<prop::sample::Index>(),
        junk in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        let Some((der, _, _)) = real() else {
            return Ok(());
        };
        let i = at.index(der.len());
        let mut mutated = der[..i].to_vec();
        mutated.extend_from_slice(&junk);
        mutated.extend_from_slice(&der[(i + junk.len()).min(der.len())..]);
        exercise(&mutated);
    }
}
