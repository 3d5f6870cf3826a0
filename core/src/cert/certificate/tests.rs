//! Unit tests of [`JpkiCertificate`] on certificates built by hand in DER, so
//! each one differs from a valid JPKI certificate in exactly one way. Keys
//! come from aws-lc-rs; signatures are real.

use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};

use super::*;
use crate::cert::san::test_der::{jpki_san, tlv};
use crate::cert::{BasicInfoField, Era, Gender};

const SHA256_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
const SHA1_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const KU: &[u8] = &[0x55, 0x1D, 0x0F];
const BC: &[u8] = &[0x55, 0x1D, 0x13];
const CP: &[u8] = &[0x55, 0x1D, 0x20];
const EKU: &[u8] = &[0x55, 0x1D, 0x25];
const SAN: &[u8] = &[0x55, 0x1D, 0x11];
const SKI: &[u8] = &[0x55, 0x1D, 0x0E];
const AKI: &[u8] = &[0x55, 0x1D, 0x23];
const CLIENT_AUTH: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const JPKI: [u8; 8] = crate::cert::profile::JPKI_ARC;

const NAME: &str = "田中\u{3000}花子";
const ADDRESS: &str = "東京都千代田区千代田一番一号";
const CA_KEY_ID: [u8; 20] = [0xCA; 20];
const EE_KEY_ID: [u8; 20] = [0xEE; 20];
/// 2019-07-25T15:28:06Z and 2024-05-02T14:59:59Z, as on the real auth cert.
const NOT_BEFORE: i64 = 1_564_068_486;
const NOT_AFTER: i64 = 1_714_661_999;

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(encoded: &[u8]) -> Vec<u8> {
    tlv(0x06, encoded)
}

fn jpki_oid(tail: &[u8]) -> Vec<u8> {
    let mut v = JPKI.to_vec();
    v.extend_from_slice(tail);
    v
}

fn ext(id: &[u8], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xFF]);
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

fn key_usage(bits_byte: u8, unused: u8) -> Vec<u8> {
    ext(KU, true, vec![0x03, 0x02, unused, bits_byte])
}

fn policies(tails: &[&[u8]]) -> Vec<u8> {
    let infos: Vec<Vec<u8>> = tails.iter().map(|t| seq(&[oid(&jpki_oid(t))])).collect();
    ext(CP, true, seq(&infos))
}

fn name(org: &str, unit: &str) -> Vec<u8> {
    let rdn = |attr: u8, tag: u8, v: &str| {
        tlv(
            0x31,
            &seq(&[oid(&[0x55, 0x04, attr]), tlv(tag, v.as_bytes())]),
        )
    };
    seq(&[
        rdn(0x06, 0x13, "JP"),
        rdn(0x0A, 0x0C, org),
        rdn(0x0B, 0x0C, unit),
    ])
}

fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    let mut bits = vec![0x00];
    bits.extend_from_slice(pkcs1);
    seq(&[
        seq(&[oid(RSA_ENCRYPTION), vec![0x05, 0x00]]),
        tlv(0x03, &bits),
    ])
}

fn algorithm(id: &[u8]) -> Vec<u8> {
    seq(&[oid(id), vec![0x05, 0x00]])
}

/// The parts of a certificate a test may vary.
struct Spec {
    serial: Vec<u8>,
    tbs_algorithm: &'static [u8],
    outer_algorithm: &'static [u8],
    issuer: Vec<u8>,
    subject: Vec<u8>,
    spki: Vec<u8>,
    extensions: Vec<Vec<u8>>,
}

impl Spec {
    fn tbs(&self) -> Vec<u8> {
        let validity = seq(&[tlv(0x17, b"190725152806Z"), tlv(0x17, b"240502145959Z")]);
        seq(&[
            tlv(0xA0, &[0x02, 0x01, 0x02]),
            tlv(0x02, &self.serial),
            algorithm(self.tbs_algorithm),
            self.issuer.clone(),
            validity,
            self.subject.clone(),
            self.spki.clone(),
            tlv(0xA3, &seq(&self.extensions)),
        ])
    }

    /// The certificate DER, signed by `signer` over the TBS.
    fn build(&self, signer: &RsaKeyPair) -> Vec<u8> {
        let tbs = self.tbs();
        let mut sig = vec![0u8; signer.public_modulus_len()];
        signer
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &tbs, &mut sig)
            .expect("sign");
        let mut bits = vec![0x00];
        bits.extend(sig);
        seq(&[tbs, algorithm(self.outer_algorithm), tlv(0x03, &bits)])
    }
}

fn keys() -> &'static (RsaKeyPair, RsaKeyPair, RsaKeyPair) {
    static KEYS: OnceLock<(RsaKeyPair, RsaKeyPair, RsaKeyPair)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let gen = || RsaKeyPair::generate(KeySize::Rsa2048).expect("keygen");
        (gen(), gen(), gen())
    })
}

fn ca_key() -> &'static RsaKeyPair {
    &keys().0
}

fn ee_key() -> &'static RsaKeyPair {
    &keys().1
}

fn other_ca_key() -> &'static RsaKeyPair {
    &keys().2
}

fn ca_name() -> Vec<u8> {
    name("JPKI-TEST", "JPKI for digital signature")
}

fn ca_spec(key: &RsaKeyPair) -> Spec {
    Spec {
        serial: vec![0x01],
        tbs_algorithm: SHA256_RSA,
        outer_algorithm: SHA256_RSA,
        issuer: ca_name(),
        subject: ca_name(),
        spki: rsa_spki(key.public_key().as_ref()),
        extensions: vec![
            key_usage(0x06, 0x01), // keyCertSign, cRLSign
            ext(BC, true, seq(&[vec![0x01, 0x01, 0xFF]])),
            ext(SKI, false, tlv(0x04, &CA_KEY_ID)),
        ],
    }
}

fn signing_spec() -> Spec {
    Spec {
        serial: vec![0x00, 0x9A, 0xBC],
        tbs_algorithm: SHA256_RSA,
        outer_algorithm: SHA256_RSA,
        issuer: ca_name(),
        subject: name("JPKI-TEST", "Chiyoda-ku"),
        spki: rsa_spki(ee_key().public_key().as_ref()),
        extensions: vec![
            key_usage(0xC0, 0x06), // digitalSignature, nonRepudiation
            policies(&[&[1, 0, 20]]),
            ext(SAN, false, jpki_san(NAME, "419900102", "2", ADDRESS)),
            ext(
                AKI,
                false,
                seq(&[tlv(0x80, &CA_KEY_ID), tlv(0x82, &[0x01])]),
            ),
            ext(SKI, false, tlv(0x04, &EE_KEY_ID)),
        ],
    }
}

fn auth_spec() -> Spec {
    let mut spec = signing_spec();
    spec.extensions = vec![
        key_usage(0x80, 0x07), // digitalSignature
        ext(EKU, false, seq(&[oid(CLIENT_AUTH)])),
        policies(&[&[1, 3, 30]]),
    ];
    spec
}

fn parse(spec: &Spec) -> Result<JpkiCertificate, CertError> {
    JpkiCertificate::from_der(&spec.build(ca_key()))
}

fn code(spec: &Spec) -> Result<(), &'static str> {
    parse(spec).map(|_| ()).map_err(|e| e.code())
}

#[test]
fn signing_certificate_end_to_end() {
    let ca = JpkiCertificate::from_der(&ca_spec(ca_key()).build(ca_key())).expect("CA parses");
    let der = signing_spec().build(ca_key());
    let cert = JpkiCertificate::from_der(&der).expect("signing cert parses");

    assert_eq!(cert.purpose(), CertificatePurpose::Signing);
    assert_eq!(cert.policy(), Some(PolicyKind::Test));
    assert!(!cert.is_ca());
    assert_eq!(cert.der(), &der[..]);
    assert_eq!(cert.serial(), &[0x9A, 0xBC]);
    assert_eq!(cert.serial_hex(), "9ABC");
    assert_eq!(
        cert.issuer(),
        "C=JP, O=JPKI-TEST, OU=JPKI for digital signature"
    );
    assert_eq!(cert.subject(), "C=JP, O=JPKI-TEST, OU=Chiyoda-ku");
    assert_eq!(cert.issuer_der(), &ca_name()[..]);
    assert_eq!(cert.issuer_der(), ca.subject_der());
    assert_eq!(
        (cert.not_before(), cert.not_after()),
        (NOT_BEFORE, NOT_AFTER)
    );
    assert!(cert.is_valid_at(NOT_BEFORE) && cert.is_valid_at(NOT_AFTER));
    assert!(!cert.is_valid_at(NOT_BEFORE - 1) && !cert.is_valid_at(NOT_AFTER + 1));

    let ku = cert.key_usage();
    assert!(ku.present && ku.critical && ku.digital_signature && ku.non_repudiation);
    assert!(!ku.key_cert_sign && !ku.crl_sign);
    assert!(!cert.extended_key_usage_client_auth());
    assert!(cert.unknown_critical_extensions().is_empty());
    assert_eq!(cert.subject_key_id(), Some(&EE_KEY_ID[..]));
    assert_eq!(cert.authority_key_id(), ca.subject_key_id());
    assert_eq!(cert.authority_cert_serial(), Some(&[0x01][..]));

    assert_eq!(cert.public_key().bits(), 2048);
    assert_eq!(cert.public_key().exponent(), &[0x01, 0x00, 0x01]);
    assert_eq!(
        cert.public_key().pkcs1_der(),
        ee_key().public_key().as_ref()
    );
    assert_eq!(
        cert.public_key().spki_der(),
        &rsa_spki(ee_key().public_key().as_ref())[..]
    );

    assert!(cert.signature_is_sha256_rsa());
    assert_eq!(cert.signature_value().len(), 256);
    assert_eq!(cert.tbs_der(), &signing_spec().tbs()[..]);
    let expected_fp: [u8; 32] = Sha256::digest(&der).into();
    assert_eq!(cert.fingerprint_sha256(), expected_fp);

    let info = cert.basic_info().expect("signing certs carry facts");
    assert_eq!(info.name, NAME);
    assert_eq!(info.address, ADDRESS);
    assert_eq!(info.gender, Gender::Female);
    assert_eq!(info.birth_date.era, Era::Heisei);
    assert_eq!(info.birth_date.to_string(), "1990-01-02");

    let debug = format!("{cert:?}");
    assert!(!debug.contains("花子") && debug.contains("redacted"));
}

#[test]
fn verify_issued_by_picks_the_right_key() {
    let ca = JpkiCertificate::from_der(&ca_spec(ca_key()).build(ca_key())).expect("CA");
    // Same DN, other key: a second root generation.
    let other = JpkiCertificate::from_der(&ca_spec(other_ca_key()).build(other_ca_key()))
        .expect("other CA");
    assert_eq!(ca.subject_der(), other.subject_der());
    let cert = parse(&signing_spec()).expect("signing cert");

    assert_eq!(ca.purpose(), CertificatePurpose::CertificateAuthority);
    assert_eq!(ca.policy(), None);
    assert!(ca.is_ca() && ca.key_usage().key_cert_sign && ca.key_usage().crl_sign);
    assert!(ca.basic_info().is_none());
    assert_eq!(ca.verify_issued_by(&ca), Ok(()));
    assert_eq!(other.verify_issued_by(&other), Ok(()));
    assert_eq!(cert.verify_issued_by(&ca), Ok(()));
    assert_eq!(cert.verify_issued_by(&other), Err(CertError::BadSignature));
    assert_eq!(ca.verify_issued_by(&other), Err(CertError::BadSignature));
    assert_eq!(cert.verify_issued_by(&cert), Err(CertError::BadSignature));

    // Any change to the signed bytes breaks the signature.
    let mut der = signing_spec().build(ca_key());
    let serial_at = der
        .windows(3)
        .position(|w| w == [0x00, 0x9A, 0xBC])
        .expect("serial");
    der[serial_at + 2] ^= 0x01;
    let tampered = JpkiCertificate::from_der(&der).expect("still parses");
    assert_eq!(tampered.verify_issued_by(&ca), Err(CertError::BadSignature));
}

#[test]
fn authentication_certificate() {
    let cert = parse(&auth_spec()).expect("auth cert");
    assert_eq!(cert.purpose(), CertificatePurpose::Authentication);
    assert_eq!(cert.policy(), Some(PolicyKind::Production));
    assert!(cert.basic_info().is_none());
    assert!(cert.extended_key_usage_client_auth());
    let ku = cert.key_usage();
    assert!(ku.digital_signature && !ku.non_repudiation && ku.critical);
    assert_eq!(cert.subject_key_id(), None);
    assert_eq!(cert.authority_key_id(), None);
}

#[test]
fn unknown_critical_extensions_are_reported() {
    let mut spec = auth_spec();
    spec.extensions
        .push(ext(&[0x2A, 0x03, 0x04], true, vec![0x05, 0x00]));
    spec.extensions
        .push(ext(&[0x2A, 0x03, 0x05], false, vec![0x05, 0x00]));
    // Name constraints: x509-parser understands it, we do not.
    spec.extensions
        .push(ext(&[0x55, 0x1D, 0x1E], true, seq(&[])));
    let cert = parse(&spec).expect("parses");
    assert_eq!(
        cert.unknown_critical_extensions(),
        vec!["1.2.3.4".to_owned(), "2.5.29.30".to_owned()]
    );
}

#[test]
fn policy_decides_purpose() {
    let mut spec = auth_spec();
    spec.extensions[2] = policies(&[&[1, 1, 20]]);
    spec.extensions
        .push(ext(SAN, false, jpki_san(NAME, "320000101", "1", ADDRESS)));
    let cert = parse(&spec).expect("signing by policy");
    assert_eq!(cert.purpose(), CertificatePurpose::Signing);
    assert_eq!(cert.policy(), Some(PolicyKind::Production));

    spec.extensions[2] = policies(&[&[9, 9]]);
    let err = parse(&spec).expect_err("no JPKI policy");
    assert_eq!(
        err,
        CertError::UnknownPolicy {
            oids: vec!["1.2.392.200149.8.5.9.9".into()]
        }
    );
    spec.extensions[2] = policies(&[&[1, 1, 20], &[1, 3, 30]]);
    assert_eq!(code(&spec), Err("ambiguous_policy"));
    spec.extensions.remove(2);
    assert_eq!(
        parse(&spec).expect_err("no policies"),
        CertError::UnknownPolicy { oids: vec![] }
    );
}

#[test]
fn signing_certificate_needs_its_facts() {
    let mut spec = signing_spec();
    spec.extensions.remove(2);
    assert_eq!(
        parse(&spec).expect_err("no SAN"),
        CertError::MissingBasicInfo {
            field: BasicInfoField::Name
        }
    );
    spec.extensions.insert(
        2,
        ext(SAN, false, jpki_san(NAME, "419900132", "2", ADDRESS)),
    );
    assert_eq!(code(&spec), Err("bad_birth_date"));
    spec.extensions[2] = ext(SAN, false, jpki_san(NAME, "419900102", "0", ADDRESS));
    assert_eq!(code(&spec), Err("bad_gender"));
    spec.extensions[2] = ext(SAN, false, vec![0x30, 0x03, 0xA0, 0x01]);
    assert_eq!(code(&spec), Err("bad_extension"));
}

#[test]
fn structural_rejections() {
    let mut dup = auth_spec();
    dup.extensions
        .push(ext(EKU, false, seq(&[oid(CLIENT_AUTH)])));
    assert_eq!(
        parse(&dup).expect_err("duplicate"),
        CertError::DuplicateExtension {
            oid: "2.5.29.37".into()
        }
    );

    let mut bad_ku = auth_spec();
    bad_ku.extensions[0] = ext(KU, true, vec![0x04, 0x01, 0x00]);
    assert_eq!(code(&bad_ku), Err("bad_extension"));

    let mut ec = auth_spec();
    let mut point = vec![0x00, 0x04];
    point.extend([0x11; 64]);
    ec.spki = seq(&[seq(&[oid(EC_PUBLIC_KEY), oid(P256)]), tlv(0x03, &point)]);
    assert_eq!(
        parse(&ec).expect_err("EC"),
        CertError::NotRsa {
            algorithm: "1.2.840.10045.2.1".into()
        }
    );

    let mut small = auth_spec();
    let mut modulus = vec![0x00, 0xC3];
    modulus.extend([0x5A; 127]);
    small.spki = rsa_spki(&seq(&[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])]));
    assert_eq!(
        parse(&small).expect_err("1024-bit"),
        CertError::KeyTooSmall { bits: 1024 }
    );

    let mut large = auth_spec();
    let mut modulus = vec![0x00, 0xC3];
    modulus.extend([0x5A; 1024]);
    large.spki = rsa_spki(&seq(&[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])]));
    assert_eq!(code(&large), Err("key_too_large"));
}

#[test]
fn other_signature_algorithms_parse_but_do_not_verify() {
    let ca = JpkiCertificate::from_der(&ca_spec(ca_key()).build(ca_key())).expect("CA");
    let mut sha1 = auth_spec();
    sha1.tbs_algorithm = SHA1_RSA;
    sha1.outer_algorithm = SHA1_RSA;
    let cert = parse(&sha1).expect("parses");
    assert!(!cert.signature_is_sha256_rsa());
    assert_eq!(
        cert.verify_issued_by(&ca),
        Err(CertError::UnsupportedSignatureAlgorithm {
            oid: "1.2.840.113549.1.1.5".into()
        })
    );
    let mut mixed = auth_spec();
    mixed.tbs_algorithm = SHA1_RSA;
    let cert = parse(&mixed).expect("parses");
    assert!(!cert.signature_is_sha256_rsa());
    assert_eq!(
        cert.verify_issued_by(&ca).map_err(|e| e.code()),
        Err("unsupported_signature_algorithm")
    );
}

#[test]
fn exact_der_and_ef_filler() {
    let der = auth_spec().build(ca_key());
    let mut ef = der.clone();
    ef.extend([0xFF; 37]);
    assert_eq!(der_length(&ef), Ok(der.len()));
    assert_eq!(
        JpkiCertificate::from_der(&ef),
        Err(CertError::TrailingData {
            der_length: der.len(),
            extra: 37
        })
    );
    let cert = JpkiCertificate::from_ef_contents(&ef).expect("trimmed");
    assert_eq!(cert.der(), &der[..]);
    assert_eq!(
        JpkiCertificate::from_der(&der[..der.len() - 1]).map_err(|e| e.code()),
        Err("der_truncated")
    );
    assert_eq!(
        JpkiCertificate::from_ef_contents(&der[..100]).map_err(|e| e.code()),
        Err("der_truncated")
    );
    // A well-formed outer SEQUENCE holding garbage.
    assert_eq!(
        JpkiCertificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).map_err(|e| e.code()),
        Err("malformed_certificate")
    );
}

#[test]
fn serial_magnitudes() {
    assert_eq!(serial_magnitude(&[0x00, 0x9A]), &[0x9A]);
    assert_eq!(serial_magnitude(&[0x01]), &[0x01]);
    assert_eq!(serial_magnitude(&[0x00]), &[0x00]);
    assert_eq!(serial_magnitude(&[0x00, 0x00, 0x01]), &[0x01]);
    assert_eq!(serial_magnitude(&[]), &[] as &[u8]);
}

#[test]
fn spans_stay_inside() {
    let whole = [1u8, 2, 3, 4];
    assert_eq!(span(&whole, &whole[1..3]), Ok(1..3));
    assert_eq!(span(&whole, &whole[4..]), Ok(4..4));
    let other = [9u8; 2];
    assert!(span(&whole, &other).is_err());
}
