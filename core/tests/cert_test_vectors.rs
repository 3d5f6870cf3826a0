//! Every committed test vector: the signing certificate in each virtual card
//! (`test-vectors/cards/<name>.json`, EF `0001`, filler included) must parse
//! into exactly the facts in `test-vectors/expected/<name>.json`, chain to the
//! card's own signing CA (EF `0002`), and the auth certificate (EF `000A`)
//! must parse as a JPKI-TEST authentication certificate.
//!
//! The expected files are written by the generator from its inputs, not from
//! our parser, so a disagreement is a real bug on one side.

use std::path::{Path, PathBuf};

use serde_json::Value;
use shiori_core::cert::{der_length, CertificatePurpose, JpkiCertificate, PolicyKind};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

/// The `expected/*.json` files, or `None` (with a note) when the vectors are
/// not there outside CI.
fn expected_files() -> Option<Vec<PathBuf>> {
    let dir = vectors_dir().join("expected");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{}: {e}; test vectors must be committed", dir.display())
        }
        Err(e) => {
            eprintln!("note: skipping, {} is not readable ({e})", dir.display());
            return None;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Some(files)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_field<'a>(v: &'a Value, key: &str, ctx: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: `{key}` is not a string"))
}

fn ef(card: &Value, fid: &str, ctx: &str) -> Vec<u8> {
    hex::decode(str_field(&card["files"], fid, ctx))
        .unwrap_or_else(|e| panic!("{ctx}: EF {fid} is not hex: {e}"))
}

/// Trims the EF filler with `der_length`, then parses.
fn cert_in_ef(contents: &[u8], ctx: &str) -> JpkiCertificate {
    let len = der_length(contents).unwrap_or_else(|e| panic!("{ctx}: {e}"));
    assert!(len <= contents.len(), "{ctx}: EF shorter than its DER");
    JpkiCertificate::from_der(&contents[..len]).unwrap_or_else(|e| panic!("{ctx}: {e}"))
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_utc(s: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| -> i64 {
        s.get(r)
            .and_then(|x| x.parse().ok())
            .expect("timestamp field")
    };
    let (year, month, day) = (n(0..4), n(5..7), n(8..10));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

#[test]
fn signing_certificates_carry_the_expected_facts() {
    let Some(files) = expected_files() else {
        return;
    };
    assert!(!files.is_empty(), "no expected/*.json");
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let ctx = name;
        let expected = read_json(&path);
        let card = read_json(&vectors_dir().join("cards").join(format!("{name}.json")));

        let cert = cert_in_ef(&ef(&card, "0001", ctx), ctx);
        assert_eq!(cert.purpose(), CertificatePurpose::Signing, "{ctx}");
        assert_eq!(cert.policy(), Some(PolicyKind::Test), "{ctx}");
        assert_eq!(
            cert.serial_hex(),
            str_field(&expected, "signing_serial_hex", ctx),
            "{ctx}"
        );
        if let Some(not_after) = expected["not_after"].as_str() {
            assert_eq!(cert.not_after(), rfc3339_utc(not_after), "{ctx}");
        }
        let ku = cert.key_usage();
        assert!(
            ku.critical && ku.digital_signature && ku.non_repudiation,
            "{ctx}"
        );
        assert!(cert.unknown_critical_extensions().is_empty(), "{ctx}");

        let info = cert.basic_info().expect("signing cert has facts");
        assert_eq!(info.name, str_field(&expected, "name", ctx), "{ctx}");
        assert_eq!(
            info.name_substitutes.as_str(),
            str_field(&expected, "name_substitutes", ctx),
            "{ctx}"
        );
        assert_eq!(info.address, str_field(&expected, "address", ctx), "{ctx}");
        assert_eq!(
            info.address_substitutes.as_str(),
            str_field(&expected, "address_substitutes", ctx),
            "{ctx}"
        );
        assert!(info.name_substitutes_match(), "{ctx}");
        assert!(info.address_substitutes_match(), "{ctx}");
        assert_eq!(
            info.birth_date.raw(),
            str_field(&expected, "birth_date_raw", ctx),
            "{ctx}"
        );
        assert_eq!(
            info.birth_date.to_string(),
            str_field(&expected, "birth_date", ctx),
            "{ctx}"
        );
        assert_eq!(
            Some(u64::from(info.birth_date.era.code())),
            expected["era"].as_u64(),
            "{ctx}"
        );
        assert_eq!(
            info.gender.code().to_string(),
            str_field(&expected, "gender", ctx),
            "{ctx}"
        );
        let (surname, given) = info
            .name
            .split_once('\u{3000}')
            .expect("test names have a U+3000");
        assert_eq!(
            (info.surname(), info.given_name()),
            (surname, given),
            "{ctx}"
        );

        // The card's own CA (EF 0002) issued it.
        let ca = cert_in_ef(&ef(&card, "0002", ctx), ctx);
        assert_eq!(
            ca.purpose(),
            CertificatePurpose::CertificateAuthority,
            "{ctx}"
        );
        assert_eq!(cert.verify_issued_by(&ca), Ok(()), "{ctx}");
        assert_eq!(cert.issuer_der(), ca.subject_der(), "{ctx}");

        // The auth certificate (EF 000A) by its CA (EF 000B).
        let auth = cert_in_ef(&ef(&card, "000A", ctx), ctx);
        assert_eq!(auth.purpose(), CertificatePurpose::Authentication, "{ctx}");
        assert_eq!(auth.policy(), Some(PolicyKind::Test), "{ctx}");
        assert!(auth.basic_info().is_none(), "{ctx}");
        assert!(auth.extended_key_usage_client_auth(), "{ctx}");
        assert_eq!(
            auth.serial_hex(),
            str_field(&expected, "auth_serial_hex", ctx),
            "{ctx}"
        );
        let auth_ca = cert_in_ef(&ef(&card, "000B", ctx), ctx);
        assert_eq!(auth.verify_issued_by(&auth_ca), Ok(()), "{ctx}");
    }
}

/// The rogue card's certificates share the g1 roots' DN but were signed by
/// another key: the genuine test roots must not verify them.
#[test]
fn rogue_card_certs_do_not_chain_to_the_test_roots() {
    let Some(_) = expected_files() else {
        return;
    };
    let dir = vectors_dir();
    let card_path = dir.join("cards/rogue-card.json");
    let root_path = dir.join("pki/sign-root-g1.der");
    if !card_path.exists() || !root_path.exists() {
        eprintln!("note: skipping, no rogue card or g1 root in the vectors");
        return;
    }
    let card = read_json(&card_path);
    let cert = cert_in_ef(&ef(&card, "0001", "rogue"), "rogue");
    let root = JpkiCertificate::from_der(&std::fs::read(&root_path).expect("g1 root"))
        .expect("g1 root parses");
    assert_eq!(cert.issuer_der(), root.subject_der());
    assert_eq!(
        cert.verify_issued_by(&root).map_err(|e| e.code()),
        Err("bad_signature")
    );
    let rogue_root = cert_in_ef(&ef(&card, "0002", "rogue"), "rogue");
    assert_eq!(cert.verify_issued_by(&rogue_root), Ok(()));
}

/// A card without a signing certificate (under-15s) has no EF 0001; its auth
/// certificate still parses.
#[test]
fn cards_without_expected_facts_have_no_signing_certificate() {
    let Some(files) = expected_files() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(vectors_dir().join("cards")) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if files
            .iter()
            .any(|f| f.file_stem().and_then(|s| s.to_str()) == Some(stem))
        {
            continue;
        }
        let card = read_json(&path);
        assert!(
            card["files"].get("0001").is_none(),
            "{stem}: facts not in expected/"
        );
        let auth = cert_in_ef(&ef(&card, "000A", stem), stem);
        assert_eq!(auth.purpose(), CertificatePurpose::Authentication, "{stem}");
    }
}
