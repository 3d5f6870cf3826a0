//! Sanity checks on the committed vectors: every card deserialises into a
//! `CardImage`, every leaf verifies against its issuing root (and only that
//! root), the signing SAN carries exactly the expected facts, and the CRLs
//! revoke exactly watanabe-revoked's leaves.

use std::path::PathBuf;

use serde_json::Value;
use shiori_core::virtual_card::CardImage;
use x509_parser::prelude::*;

fn dir() -> PathBuf {
    shiori_test_vectors::default_dir()
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn card(name: &str) -> CardImage {
    serde_json::from_slice(&read(&format!("cards/{name}.json"))).expect("a CardImage")
}

/// The DER certificate at the start of an EF (the rest is filler).
fn ef_cert(card: &CardImage, fid: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(card.files.get(fid)?).expect("hex");
    let len = usize::from(bytes[2]) << 8 | usize::from(bytes[3]);
    assert_eq!(&bytes[..2], &[0x30, 0x82]);
    Some(bytes[..len + 4].to_vec())
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    let (rest, cert) = X509Certificate::from_der(der).expect("a certificate");
    assert!(rest.is_empty());
    cert
}

/// Value of a short- or long-form DER TLV with the given tag.
fn tlv(bytes: &[u8], tag: u8) -> &[u8] {
    assert_eq!(bytes[0], tag);
    let (len, start) = match bytes[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(bytes[2]), 3),
        0x82 => (usize::from(bytes[2]) << 8 | usize::from(bytes[3]), 4),
        other => panic!("length form {other:02X}"),
    };
    &bytes[start..start + len]
}

const NAMES: [&str; 10] = [
    "tanaka-hanako",
    "sato-ichiro",
    "takahashi-kazuko",
    "suzuki-minoru",
    "yamada-taro-blocked",
    "kobayashi-child",
    "ito-expired",
    "watanabe-revoked",
    "nakamura-juki",
    "rogue-card",
];

#[test]
fn cards_deserialise_with_the_right_shape() {
    for name in NAMES {
        let c = card(name);
        assert!(c.test_only);
        assert_eq!(c.name, name);
        assert_eq!(c.atr, "3BE000FF8131FE4514");
        let size = |fid: &str| c.files.get(fid).map(|h| h.len() / 2);
        assert_eq!(size("0002"), Some(2048));
        assert_eq!(size("000A"), Some(2048));
        assert_eq!(size("000B"), Some(2048));
        assert_eq!(size("0006"), Some(160));
        let label = &hex::decode(&c.files["0006"]).expect("hex")[..32];
        let want = if name == "nakamura-juki" {
            "JPKIAPICCTOKEN"
        } else {
            "JPKIAPICCTOKEN2"
        };
        assert_eq!(String::from_utf8_lossy(label).trim_end(), want);
        assert_eq!(c.auth_pin.len(), 4);
        if name == "kobayashi-child" {
            assert_eq!(c.files["0008"], "008F00");
            assert!(size("0001").is_none() && c.signing_key_pkcs8.is_none());
            assert!(c.signing_password.is_none());
        } else {
            assert_eq!(c.files["0008"], "8F8F00");
            assert_eq!(size("0001"), Some(2560));
            let pw = c.signing_password.as_deref().expect("a password");
            assert!((6..=16).contains(&pw.len()));
            assert!(pw
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        }
    }
}

#[test]
fn leaves_verify_against_their_issuing_root_only() {
    let roots: Vec<(String, Vec<u8>)> = [
        "sign-root-g1",
        "sign-root-g2",
        "auth-root-g1",
        "auth-root-g2",
        "rogue-sign-root",
        "rogue-auth-root",
    ]
    .iter()
    .map(|n| (n.to_string(), read(&format!("pki/{n}.der"))))
    .collect();
    for (_, der) in &roots {
        let root = parse(der);
        root.verify_signature(None).expect("self-signed");
    }
    for name in NAMES {
        let c = card(name);
        for (leaf_fid, root_fid, purpose) in [("0001", "0002", "sign"), ("000A", "000B", "auth")] {
            let Some(leaf_der) = ef_cert(&c, leaf_fid) else {
                continue;
            };
            let root_der = ef_cert(&c, root_fid).expect("a root EF");
            let leaf = parse(&leaf_der);
            let mut verifying = Vec::new();
            for (root_name, der) in roots.iter().filter(|(n, _)| n.contains(purpose)) {
                let root = parse(der);
                if leaf.verify_signature(Some(root.public_key())).is_ok() {
                    verifying.push(root_name.as_str());
                    assert_eq!(der, &root_der, "{name}: EF {root_fid} is the issuing root");
                }
                assert_eq!(leaf.issuer(), root.subject(), "one DN for all generations");
            }
            assert_eq!(verifying.len(), 1, "{name} {purpose}: {verifying:?}");
            let generation = match name {
                "sato-ichiro" | "suzuki-minoru" | "kobayashi-child" | "watanabe-revoked" => "g2",
                "rogue-card" => "rogue",
                _ => "g1",
            };
            assert!(verifying[0].contains(generation), "{name}: {verifying:?}");
        }
    }
}

#[test]
fn signing_san_matches_expected_facts() {
    for name in NAMES.iter().filter(|n| **n != "kobayashi-child") {
        let expected: Value =
            serde_json::from_slice(&read(&format!("expected/{name}.json"))).expect("JSON");
        let c = card(name);
        let sign_der = ef_cert(&c, "0001").expect("a signing cert");
        let auth_der = ef_cert(&c, "000A").expect("an auth cert");
        let sign = parse(&sign_der);
        let auth = parse(&auth_der);
        assert_eq!(
            hex::encode_upper(sign.raw_serial()),
            expected["signing_serial_hex"]
        );
        assert_eq!(
            hex::encode_upper(auth.raw_serial()),
            expected["auth_serial_hex"]
        );
        assert_eq!(c.auth_pin, expected["auth_pin"]);
        assert_eq!(
            c.signing_password.as_deref(),
            expected["signing_password"].as_str()
        );
        let not_after = sign.validity().not_after.to_datetime().unix_timestamp();
        let want = if *name == "ito-expired" {
            1_711_897_199
        } else {
            1_901_199_599
        };
        assert_eq!(not_after, want, "{name}: {}", expected["not_after"]);

        let san = sign
            .subject_alternative_name()
            .expect("one SAN")
            .expect("a SAN");
        let mut values = Vec::new();
        for gn in &san.value.general_names {
            let GeneralName::OtherName(oid, rest) = gn else {
                panic!("{name}: not an otherName")
            };
            let utf8 = tlv(tlv(rest, 0xA0), 0x0C);
            values.push((
                oid.to_id_string(),
                String::from_utf8(utf8.to_vec()).expect("UTF-8"),
            ));
        }
        let field = |key: &str| expected[key].as_str().expect("a string").to_owned();
        let want = [
            ("1.2.392.200149.8.5.5.1", field("name")),
            ("1.2.392.200149.8.5.5.4", field("birth_date_raw")),
            ("1.2.392.200149.8.5.5.3", field("gender")),
            ("1.2.392.200149.8.5.5.5", field("address")),
            ("1.2.392.200149.8.5.5.2", field("name_substitutes")),
            ("1.2.392.200149.8.5.5.6", field("address_substitutes")),
        ]
        .map(|(o, v)| (o.to_owned(), v));
        assert_eq!(values, want, "{name}");
        assert_eq!(
            field("name_substitutes").chars().count(),
            field("name").chars().count()
        );
        assert_eq!(
            field("address_substitutes").chars().count(),
            field("address").chars().count()
        );
        let ku = sign.key_usage().expect("KU").expect("KU");
        assert!(ku.critical && ku.value.digital_signature() && ku.value.non_repudiation());
    }
}

#[test]
fn crls_verify_and_revoke_only_watanabe() {
    let revoked: Vec<Vec<u8>> = {
        let c = card("watanabe-revoked");
        ["0001", "000A"]
            .iter()
            .map(|fid| {
                parse(&ef_cert(&c, fid).expect("a cert"))
                    .raw_serial()
                    .to_vec()
            })
            .collect()
    };
    let mut listed = Vec::new();
    for (crl_name, root_name) in [
        ("sign-g1", "sign-root-g1"),
        ("sign-g2", "sign-root-g2"),
        ("auth-g1", "auth-root-g1"),
        ("auth-g2", "auth-root-g2"),
    ] {
        let crl_der = read(&format!("crl/{crl_name}.crl"));
        let root_der = read(&format!("pki/{root_name}.der"));
        let (_, crl) = CertificateRevocationList::from_der(&crl_der).expect("a CRL");
        let root = parse(&root_der);
        crl.verify_signature(root.public_key())
            .expect("signed by its root");
        for entry in crl.iter_revoked_certificates() {
            listed.push((crl_name, entry.raw_serial().to_vec()));
        }
    }
    for serial in &revoked {
        let hits: Vec<_> = listed
            .iter()
            .filter(|(_, s)| s == serial)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(hits.len(), 1, "{serial:02X?} in {hits:?}");
        assert!(hits[0].ends_with("g2"));
    }
    for name in NAMES.iter().filter(|n| **n != "watanabe-revoked") {
        let c = card(name);
        for fid in ["0001", "000A"] {
            let Some(der) = ef_cert(&c, fid) else {
                continue;
            };
            let serial = parse(&der).raw_serial().to_vec();
            assert!(
                listed.iter().all(|(_, s)| *s != serial),
                "{name} {fid} is listed"
            );
        }
    }
}
