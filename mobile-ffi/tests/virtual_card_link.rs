//! The exported functions driven through a Rust implementation of the foreign
//! `NfcLink` trait, backed by the virtual card: what the Kotlin and Swift
//! apps do, minus the FFI hop.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use shiori_core::transport::Transport;
use shiori_core::virtual_card::{CardImage, VirtualCard, VirtualCardOptions};
use shiori_ffi::{
    card_status, library_card_barcode_png, library_card_barcode_svg, read_basic_facts,
    BarcodeError, BasicFacts, CardError, CardType, Gender, LinkCapabilities, LinkError, NfcLink,
    PinKind, PinState,
};

fn vector(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors")
        .join(rel)
}

fn image(name: &str) -> CardImage {
    let text = std::fs::read_to_string(vector(&format!("cards/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A phone's NFC link, played by the virtual card. Counts the commands that
/// carry a PIN (VERIFY with a body) so tests can prove nothing was sent.
struct VirtualLink {
    card: Mutex<VirtualCard>,
    extended: bool,
    commands: Mutex<Vec<Vec<u8>>>,
}

impl VirtualLink {
    fn new(image: CardImage, extended: bool) -> Arc<Self> {
        let card = VirtualCard::from_image(image)
            .unwrap()
            .with_options(VirtualCardOptions {
                extended_length: extended,
                chained_responses: false,
            });
        Arc::new(Self {
            card: Mutex::new(card),
            extended,
            commands: Mutex::new(Vec::new()),
        })
    }

    fn pins_sent(&self) -> usize {
        self.commands
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.len() > 4 && c[1] == 0x20)
            .count()
    }
}

impl NfcLink for VirtualLink {
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        self.commands.lock().unwrap().push(command.clone());
        self.card
            .lock()
            .unwrap()
            .transmit(&command)
            .map_err(|e| LinkError::Other {
                reason: e.to_string(),
            })
    }

    fn capabilities(&self) -> Result<LinkCapabilities, LinkError> {
        Ok(LinkCapabilities {
            extended_length: self.extended,
            max_transceive: if self.extended { 65_538 } else { 258 },
        })
    }
}

/// A link whose tag is gone before the first APDU.
struct LostLink;

impl NfcLink for LostLink {
    fn transmit(&self, _command: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        Err(LinkError::TagLost {
            reason: "Tag was lost.".into(),
        })
    }
    fn capabilities(&self) -> Result<LinkCapabilities, LinkError> {
        Ok(LinkCapabilities {
            extended_length: true,
            max_transceive: 65_538,
        })
    }
}

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
    assert!(link.commands.lock().unwrap().is_empty(), "no APDU at all");
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
