//! The exported functions driven through a Rust implementation of the foreign
//! `NfcLink` trait, backed by the virtual card: what the Kotlin and Swift
//! apps do, minus the FFI hop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use shiori_ffi::{
    card_status, library_card_barcode_png, library_card_barcode_svg, read_basic_facts,
    BarcodeError, BasicFacts, CardError, CardType, Gender, PinKind, PinState,
};

mod support;
use support::{image, vector, LostLink, VirtualLink};

#[test]
fn status_shows_tries_and_both_certificates() {
    let link = VirtualLink::new(image("tanaka-hanako"), true);
    let status = card_status(link.clone()).unwrap();
    assert_eq!(status.card_type, CardType::MyNumberCard);
    assert_eq!(status.token_label, "JPKIAPICCTOKEN2");
    assert!(status.signing_certificate && status.auth_certificate);
    assert_eq!(
        status.auth_pin,
        PinState::TriesLeft {
            tries_left: 3,
            max_tries: 3
        }
    );
    assert_eq!(
        status.signing_password,
        Some(PinState::TriesLeft {
            tries_left: 5,
            max_tries: 5
        })
    );
    assert_eq!(link.pins_sent(), 0, "status sends no PIN");
}

fn expected(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(vector(&format!("expected/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_facts_match(facts: &BasicFacts, want: &serde_json::Value) {
    let s = |k: &str| want[k].as_str().unwrap().to_string();
    assert_eq!(facts.name, s("name"));
    assert_eq!(facts.name_substitutes, s("name_substitutes"));
    assert_eq!(facts.address, s("address"));
    assert_eq!(facts.address_substitutes, s("address_substitutes"));
    assert_eq!(facts.birth_date_raw, s("birth_date_raw"));
    assert_eq!(facts.birth_date, s("birth_date"));
    assert_eq!(u64::from(facts.era), want["era"].as_u64().unwrap());
    let gender = match s("gender").as_str() {
        "1" => Gender::Male,
        "2" => Gender::Female,
        _ => Gender::Unknown,
    };
    assert_eq!(facts.gender, gender);
    assert_eq!(facts.signing_serial_hex, s("signing_serial_hex"));
}

#[test]
fn basic_facts_match_the_expected_parse() {
    for extended in [true, false] {
        let link = VirtualLink::new(image("tanaka-hanako"), extended);
        let want = expected("tanaka-hanako");
        // Typed in lower case: core upper-cases before sending.
        let typed = want["signing_password"].as_str().unwrap().to_lowercase();
        let facts = read_basic_facts(link.clone(), typed, false).unwrap();
        assert_facts_match(&facts, &want);
        assert_eq!(facts.surname, "田中");
        assert_eq!(facts.given_name, "花子");
        assert_eq!(facts.gender_ja, "女性");
        assert_eq!(facts.era_ja, "平成");
        assert_eq!(link.pins_sent(), 1);
        // 2030-03-31T14:59:59Z
        assert_eq!(facts.not_after, 1_901_199_599);
    }
}

#[test]
fn wrong_password_reports_tries_left() {
    let link = VirtualLink::new(image("tanaka-hanako"), true);
    let err = read_basic_facts(link.clone(), "WRONG123".into(), false).unwrap_err();
    match &err {
        CardError::WrongPin {
            pin, tries_left, ..
        } => {
            assert_eq!(*pin, PinKind::SigningPassword);
            assert_eq!(*tries_left, 4);
        }
        other => panic!("expected WrongPin, got {other:?}"),
    }
    assert_eq!(err.code(), "wrong_pin");
    assert!(!err.to_string().contains("WRONG123"));
    assert!(!format!("{err:?}").contains("WRONG123"));
    // The counter really went down on the card.
    let status = card_status(link).unwrap();
    assert_eq!(
        status.signing_password,
        Some(PinState::TriesLeft {
            tries_left: 4,
            max_tries: 5
        })
    );
}

#[test]
fn last_try_is_refused_without_confirmation() {
    let mut one_left = image("tanaka-hanako");
    one_left.signing_tries_left = 1;
    let link = VirtualLink::new(one_left.clone(), true);
    let err = read_basic_facts(link.clone(), "HANAKO1990".into(), false).unwrap_err();
    assert!(
        matches!(
            err,
            CardError::LastTryRefused {
                pin: PinKind::SigningPassword,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(link.pins_sent(), 0, "the password was not sent");

    // With the resident's confirmation the right password goes through.
    let link = VirtualLink::new(one_left, true);
    let facts = read_basic_facts(link.clone(), "HANAKO1990".into(), true).unwrap();
    assert_eq!(facts.name, "田中\u{3000}花子");
    assert_eq!(link.pins_sent(), 1);
}

#[test]
fn malformed_password_is_refused_before_the_card() {
    let link = VirtualLink::new(image("tanaka-hanako"), true);
    let err = read_basic_facts(link.clone(), "abc".into(), false).unwrap_err();
    assert_eq!(err.code(), "signing_password_length");
    assert_eq!(link.commands(), 0, "no APDU at all");
}

#[test]
fn a_lost_tag_is_card_lost() {
    let err = card_status(Arc::new(LostLink)).unwrap_err();
    assert_eq!(err.code(), "card_lost");
}

#[test]
fn barcode_renders_from_the_server_payload() {
    let png = library_card_barcode_png("A0290253031A".into(), 2).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let svg = library_card_barcode_svg("A0290253031A".into(), Some("0290253031".into())).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    assert!(svg.contains("0290253031"));
    // Digits without start/stop characters are not a payload.
    let err = library_card_barcode_png("0290253031".into(), 2).unwrap_err();
    assert!(
        matches!(&err, BarcodeError::BadPayload { code, .. } if code == "missing_start_stop"),
        "{err:?}"
    );
}
