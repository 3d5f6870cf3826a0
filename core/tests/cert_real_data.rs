//! `shiori_core::cert` against real J-LIS data from `shared/`: the six
//! production roots and a real card's authentication certificate with a real
//! signature (published by my-number/myna, Apache-2.0).
//!
//! The expected values (fingerprints, serials, validity) are copied from
//! `shared/jpki-roots/README.md`, `shared/real-card/README.md` and
//! `jpki-facts.md` §5.2/§6, so they do not depend on our code.
//!
//! CI clones the repository with `shared/` beside it (`/X/main`, `/X/shared`).
//! A missing file fails the test when `CI=true`, and skips it otherwise.

mod shared_data;
use shared_data::shared_file;

use shiori_core::cert::{CertError, CertificatePurpose, JpkiCertificate, PolicyKind};

fn shared_cert(rel: &str) -> Option<JpkiCertificate> {
    let der = shared_file(rel)?;
    Some(JpkiCertificate::from_der(&der).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

/// Unix seconds of a UTC date and time (proleptic Gregorian).
fn utc(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64) -> i64 {
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + h * 3600 + m * 60 + s
}

fn fingerprint_hex(cert: &JpkiCertificate) -> String {
    cert.fingerprint_sha256()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

struct Root {
    file: &'static str,
    serial: &'static str,
    not_before: (i64, i64, i64, i64, i64, i64),
    not_after: (i64, i64, i64, i64, i64, i64),
    sha256: &'static str,
}

/// `shared/jpki-roots/README.md`; times from `jpki-facts.md` §6.
const ROOTS: [Root; 6] = [
    Root {
        file: "signca01.cer",
        serial: "01",
        not_before: (2015, 10, 20, 2, 40, 28),
        not_after: (2025, 10, 19, 14, 59, 59),
        sha256: "19:64:54:05:A1:FE:14:37:74:34:BD:55:95:76:28:AC:40:38:55:7C:54:24:03:A2:24:3F:21:C7:06:FC:93:55",
    },
    Root {
        file: "signca02.cer",
        serial: "0132C4AB",
        not_before: (2019, 9, 14, 23, 41, 56),
        not_after: (2029, 9, 14, 14, 59, 59),
        sha256: "79:67:9C:33:E4:CC:93:19:44:0F:1A:D1:20:A5:97:FF:18:44:E2:EF:21:70:63:AD:B1:76:96:6F:D5:E6:FB:EB",
    },
    Root {
        file: "signca03.cer",
        serial: "067C6A21",
        not_before: (2023, 7, 16, 0, 50, 27),
        not_after: (2033, 7, 15, 14, 59, 59),
        sha256: "D2:27:F6:CD:E1:1D:35:C5:25:21:78:F1:06:F8:43:D2:46:51:94:49:75:41:3B:53:9F:A2:FB:68:DB:FA:36:5F",
    },
    Root {
        file: "authca01.cer",
        serial: "01",
        not_before: (2015, 10, 20, 3, 8, 13),
        not_after: (2025, 10, 19, 14, 59, 59),
        sha256: "4D:CF:C4:CA:0A:AF:9F:B2:A3:08:1B:3F:0C:99:1C:32:0B:3A:CC:00:86:67:A3:41:EE:AE:C5:AF:1D:58:CA:7D",
    },
    Root {
        file: "authca02.cer",
        serial: "0133C349",
        not_before: (2019, 9, 14, 23, 41, 59),
        not_after: (2029, 9, 14, 14, 59, 59),
        sha256: "0D:98:DE:47:FC:11:B7:F6:71:26:87:4B:70:28:B6:02:6A:80:3D:26:38:D6:ED:FE:53:17:69:53:96:1F:AD:E6",
    },
    Root {
        file: "authca03.cer",
        serial: "06D18006",
        not_before: (2023, 7, 16, 1, 1, 4),
        not_after: (2033, 7, 15, 14, 59, 59),
        sha256: "64:11:4F:29:62:0C:24:ED:26:31:D4:64:76:A0:40:E7:EE:74:0D:95:60:89:C0:0B:03:6A:6A:81:18:C3:22:B5",
    },
];

const SIGN_DN: &str = "C=JP, O=JPKI, OU=JPKI for digital signature, OU=Japan Agency for Local Authority Information Systems";
const AUTH_DN: &str = "C=JP, O=JPKI, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems";

fn at((y, mo, d, h, mi, s): (i64, i64, i64, i64, i64, i64)) -> i64 {
    utc(y, mo, d, h, mi, s)
}

#[test]
fn cert_time_helper_matches_known_timestamps() {
    assert_eq!(utc(1970, 1, 1, 0, 0, 0), 0);
    assert_eq!(utc(2000, 3, 1, 0, 0, 0), 951_868_800);
    assert_eq!(utc(2019, 7, 25, 15, 28, 6), 1_564_068_486);
}

#[test]
fn real_root_certs_are_self_signed_cas_with_published_fingerprints() {
    for root in &ROOTS {
        let Some(cert) = shared_cert(&format!("jpki-roots/{}", root.file)) else {
            return;
        };
        let ctx = root.file;
        assert_eq!(fingerprint_hex(&cert), root.sha256, "{ctx}");
        assert_eq!(cert.serial_hex(), root.serial, "{ctx}");
        assert!(cert.is_ca(), "{ctx}");
        assert_eq!(
            cert.purpose(),
            CertificatePurpose::CertificateAuthority,
            "{ctx}"
        );
        assert_eq!(cert.policy(), None, "{ctx}");
        assert!(cert.basic_info().is_none(), "{ctx}");
        assert_eq!(cert.verify_issued_by(&cert), Ok(()), "{ctx}");
        assert_eq!(cert.issuer_der(), cert.subject_der(), "{ctx}");
        let dn = if ctx.starts_with("sign") {
            SIGN_DN
        } else {
            AUTH_DN
        };
        assert_eq!((cert.subject(), cert.issuer()), (dn, dn), "{ctx}");
        assert_eq!(cert.not_before(), at(root.not_before), "{ctx}");
        assert_eq!(cert.not_after(), at(root.not_after), "{ctx}");
        let ku = cert.key_usage();
        assert!(
            ku.present && ku.critical && ku.key_cert_sign && ku.crl_sign,
            "{ctx}"
        );
        assert!(!ku.digital_signature && !ku.non_repudiation, "{ctx}");
        assert!(cert.unknown_critical_extensions().is_empty(), "{ctx}");
        assert!(cert.signature_is_sha256_rsa(), "{ctx}");
        assert_eq!(cert.public_key().bits(), 2048, "{ctx}");
        assert_eq!(cert.public_key().exponent(), &[0x01, 0x00, 0x01], "{ctx}");
        assert!(cert.subject_key_id().is_some(), "{ctx}");
    }
}

#[test]
fn real_root_cert_generations_share_a_dn_but_not_a_key() {
    for authority in ["sign", "auth"] {
        let mut certs = Vec::new();
        for generation in 1..=3 {
            let Some(cert) = shared_cert(&format!("jpki-roots/{authority}ca0{generation}.cer"))
            else {
                return;
            };
            certs.push(cert);
        }
        for (i, a) in certs.iter().enumerate() {
            for (j, b) in certs.iter().enumerate() {
                assert_eq!(a.subject_der(), b.subject_der());
                if i != j {
                    assert_eq!(a.verify_issued_by(b), Err(CertError::BadSignature));
                    assert_ne!(a.subject_key_id(), b.subject_key_id());
                }
            }
        }
    }
}

#[test]
fn real_auth_certificate() {
    let Some(der) = shared_file("real-card/auth-cert-myna.cer") else {
        return;
    };
    assert_eq!(der.len(), 1573);
    let cert = JpkiCertificate::from_der(&der).expect("real auth cert parses");
    assert_eq!(cert.purpose(), CertificatePurpose::Authentication);
    assert_eq!(cert.policy(), Some(PolicyKind::Production));
    assert!(cert.basic_info().is_none());
    assert!(!cert.is_ca());
    assert!(cert.extended_key_usage_client_auth());
    let ku = cert.key_usage();
    assert!(ku.present && ku.critical && ku.digital_signature);
    assert!(!ku.non_repudiation && !ku.key_cert_sign && !ku.crl_sign);
    // certificatePolicies is critical on real certificates, and understood.
    assert!(cert.unknown_critical_extensions().is_empty());
    assert_eq!(cert.serial_hex(), "012D57CA");
    assert_eq!(cert.subject(), "C=JP, CN=840444E37PAFHN08220003A");
    assert_eq!(cert.issuer(), AUTH_DN);

    let not_before = utc(2019, 7, 25, 15, 28, 6);
    let not_after = utc(2024, 5, 2, 14, 59, 59);
    assert_eq!(
        (cert.not_before(), cert.not_after()),
        (not_before, not_after)
    );
    assert!(cert.is_valid_at(not_before) && cert.is_valid_at(1_600_000_000));
    assert!(cert.is_valid_at(not_after));
    assert!(!cert.is_valid_at(not_before - 1) && !cert.is_valid_at(not_after + 1));

    assert_eq!(cert.public_key().bits(), 2048);
    assert_eq!(cert.authority_cert_serial(), Some(&[0x01][..]));
    assert_eq!(
        cert.subject_key_id().map(hex::encode_upper).as_deref(),
        Some("77F6C4D716D8CDE22A27EED3D3AF496E1FB0EFF5")
    );

    // A card EF holds the same certificate followed by filler.
    let mut ef = der.clone();
    ef.resize(2048, 0xFF);
    assert_eq!(shiori_core::cert::der_length(&ef), Ok(der.len()));
    assert_eq!(JpkiCertificate::from_ef_contents(&ef).as_ref(), Ok(&cert));
    assert_eq!(
        JpkiCertificate::from_der(&ef).map_err(|e| e.code()),
        Err("trailing_data")
    );
}

#[test]
fn real_auth_certificate_chains_to_authca01_only() {
    let Some(cert) = shared_cert("real-card/auth-cert-myna.cer") else {
        return;
    };
    let mut roots = Vec::new();
    for file in ["authca01", "authca02", "authca03", "signca01"] {
        let Some(root) = shared_cert(&format!("jpki-roots/{file}.cer")) else {
            return;
        };
        roots.push(root);
    }
    assert_eq!(cert.verify_issued_by(&roots[0]), Ok(()));
    assert_eq!(cert.authority_key_id(), roots[0].subject_key_id());
    // Same DN, another key: must not verify.
    for other in &roots[1..] {
        let err = cert.verify_issued_by(other).expect_err("other root");
        assert_eq!(err, CertError::BadSignature);
        assert_eq!(err.code(), "bad_signature");
    }
    assert_eq!(cert.issuer_der(), roots[1].subject_der());
}

#[test]
fn real_card_signature_verifies_with_the_cert_key_and_a_flipped_bit_does_not() {
    let (Some(cert), Some(message), Some(signature), Some(sha1_signature)) = (
        shared_cert("real-card/auth-cert-myna.cer"),
        shared_file("real-card/message1.txt"),
        shared_file("real-card/auth-message1-sha256rsapkcs.sig"),
        shared_file("real-card/auth-message1-sha1rsapkcs.sig"),
    ) else {
        return;
    };
    let key = cert.public_key();
    assert_eq!(signature.len(), 256);
    assert_eq!(key.verify_pkcs1_sha256(&message, &signature), Ok(()));

    for bit in [0, 7, 1000, 2047] {
        let mut flipped = signature.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            key.verify_pkcs1_sha256(&message, &flipped),
            Err(CertError::BadSignature),
            "signature bit {bit}"
        );
    }
    let mut altered = message.clone();
    altered[0] ^= 0x01;
    assert_eq!(
        key.verify_pkcs1_sha256(&altered, &signature),
        Err(CertError::BadSignature)
    );
    // The SHA-1 signature is not a SHA-256 one.
    assert_eq!(
        key.verify_pkcs1_sha256(&message, &sha1_signature),
        Err(CertError::BadSignature)
    );
    assert_eq!(
        key.verify_pkcs1_sha256(&message, &signature[..255]),
        Err(CertError::BadSignature)
    );
    // The key round-trips through its SubjectPublicKeyInfo.
    let again = shiori_core::cert::RsaPublicKey::from_spki_der(key.spki_der()).expect("spki");
    assert_eq!(&again, key);
    assert_eq!(again.verify_pkcs1_sha256(&message, &signature), Ok(()));
}
