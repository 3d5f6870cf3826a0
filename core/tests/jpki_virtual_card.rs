//! The JPKI client against the virtual card: flows, APDU budgets, PIN safety,
//! and every distinct failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use shiori_core::jpki::flows::{
    login_tap, read_signing_certificate, read_status, registration_tap,
};
use shiori_core::jpki::{fid, JpkiCard, JpkiError, PinStatus, TokenType};
use shiori_core::pin::{AuthPin, LastTry, PinKind, SigningPassword};
use shiori_core::proof::verify_proof;
use shiori_core::virtual_card::VirtualCardOptions;

fn password(name: &str) -> SigningPassword {
    SigningPassword::new(image(name).signing_password.as_deref().unwrap()).unwrap()
}

fn pin(name: &str) -> AuthPin {
    AuthPin::new(&image(name).auth_pin).unwrap()
}

fn cert_len(name: &str, f: &str) -> usize {
    let bytes = hex::decode(&image(name).files[f]).unwrap();
    shiori_core::cert::der_length(&bytes).unwrap()
}

#[test]
fn registration_with_extended_length_takes_six_apdus() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let req = register_request();
    let tap =
        registration_tap(&mut spy, &password("tanaka-hanako"), &req, LastTry::Refuse).unwrap();
    assert_eq!(
        tap.apdus,
        6,
        "{:#?}",
        spy.commands
            .iter()
            .map(hex::encode_upper)
            .collect::<Vec<_>>()
    );
    assert_eq!(spy.commands.len(), 6);
    assert_eq!(spy.pins_sent(), 1);
    // The card's proof verifies with the same verifier the server uses.
    verify_proof(
        &tap.message,
        &tap.signature,
        &tap.signing_certificate,
        &req,
        tap.auth_certificate.der(),
    )
    .unwrap();
    let info = tap.signing_certificate.basic_info().unwrap();
    assert_eq!(info.name, "田中\u{3000}花子");
}

#[test]
fn registration_with_short_apdus_stays_within_budget() {
    let mut spy = Spy::new(card("tanaka-hanako", SHORT));
    let tap = registration_tap(
        &mut spy,
        &password("tanaka-hanako"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
    let reads = cert_len("tanaka-hanako", "0001").div_ceil(256)
        + cert_len("tanaka-hanako", "000A").div_ceil(256);
    // SELECT + tries + VERIFY + reads + sign, no SELECT EF.
    assert_eq!(tap.apdus, 3 + reads + 1);
    assert!(tap.apdus <= 19, "{} APDUs", tap.apdus);
}

#[test]
fn extended_refused_by_card_falls_back_to_short_reads() {
    // The link claims extended length but the card answers 6700.
    let mut spy = Spy::new(card("sato-ichiro", SHORT));
    spy.claim_extended = true;
    let tap = registration_tap(
        &mut spy,
        &password("sato-ichiro"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
    let reads = cert_len("sato-ichiro", "0001").div_ceil(256)
        + cert_len("sato-ichiro", "000A").div_ceil(256);
    assert_eq!(
        tap.apdus,
        3 + 1 + reads + 1,
        "one failed extended read, then short reads"
    );
    assert!(tap.signing_certificate.basic_info().unwrap().address.len() > 127);
}

#[test]
fn chained_61xx_responses_are_followed() {
    let opts = VirtualCardOptions {
        extended_length: false,
        chained_responses: true,
    };
    let tap = registration_tap(
        card("tanaka-hanako", opts),
        &password("tanaka-hanako"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
    assert_eq!(tap.signature.len(), 256);
}

#[test]
fn login_takes_five_apdus_and_verifies() {
    let req = login_request();
    let tap = login_tap(
        card("tanaka-hanako", EXT),
        &pin("tanaka-hanako"),
        &req,
        LastTry::Refuse,
    )
    .unwrap();
    assert_eq!(tap.apdus, 5);
    verify_proof(
        &tap.message,
        &tap.signature,
        &tap.auth_certificate,
        &req,
        tap.auth_certificate.der(),
    )
    .unwrap();
}

#[test]
fn status_sends_no_pin() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let s = read_status(&mut spy).unwrap();
    assert_eq!(s.token.token_type, TokenType::MyNumberCard);
    assert!(s.availability.signing && s.availability.auth);
    assert_eq!(s.auth_pin, PinStatus::TriesLeft(3));
    assert_eq!(s.signing_password, Some(PinStatus::TriesLeft(5)));
    assert_eq!(spy.pins_sent(), 0);
}

#[test]
fn wrong_password_costs_exactly_one_try_and_is_not_retried() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let wrong = SigningPassword::new("WRONG1").unwrap();
    let e = registration_tap(&mut spy, &wrong, &register_request(), LastTry::Refuse).unwrap_err();
    assert_eq!(
        e,
        JpkiError::WrongPin {
            pin: PinKind::Signing,
            tries_left: 4
        }
    );
    assert_eq!(spy.pins_sent(), 1);
    assert_eq!(spy.inner.tries_left().1, Some(4));
}

#[test]
fn lower_case_password_is_upper_cased_and_accepted() {
    let lower = image("tanaka-hanako")
        .signing_password
        .unwrap()
        .to_lowercase();
    let pw = SigningPassword::new(&lower).unwrap();
    registration_tap(
        card("tanaka-hanako", EXT),
        &pw,
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
}

#[test]
fn last_try_is_refused_without_consent() {
    let mut spy = Spy::new(card("suzuki-minoru", EXT));
    let e = registration_tap(
        &mut spy,
        &password("suzuki-minoru"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Signing));
    assert_eq!(spy.pins_sent(), 0, "no PIN may be sent");
    assert_eq!(spy.inner.tries_left().1, Some(1));
    // With consent and the right password it goes through and resets the counter.
    let mut c = spy.inner;
    registration_tap(
        &mut c,
        &password("suzuki-minoru"),
        &register_request(),
        LastTry::Allow,
    )
    .unwrap();
    assert_eq!(c.tries_left().1, Some(5));
}

#[test]
fn spending_the_last_try_wrongly_blocks() {
    let mut c = card("suzuki-minoru", EXT);
    let e = login_tap(
        &mut c,
        &AuthPin::new("0000").unwrap(),
        &login_request(),
        LastTry::Allow,
    )
    .unwrap_err();
    assert_eq!(
        e,
        JpkiError::WrongPin {
            pin: PinKind::Auth,
            tries_left: 0
        }
    );
    let mut spy = Spy::new(c);
    let e = login_tap(
        &mut spy,
        &pin("suzuki-minoru"),
        &login_request(),
        LastTry::Allow,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::PinBlocked(PinKind::Auth));
    assert_eq!(spy.pins_sent(), 0);
}

#[test]
fn blocked_card_gets_no_pin() {
    let mut spy = Spy::new(card("yamada-taro-blocked", EXT));
    let e = registration_tap(
        &mut spy,
        &password("yamada-taro-blocked"),
        &register_request(),
        LastTry::Allow,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::PinBlocked(PinKind::Signing));
    assert_eq!(spy.pins_sent(), 0);
    let s = read_status(spy.inner).unwrap();
    assert_eq!(s.auth_pin, PinStatus::Blocked);
}

#[test]
fn card_without_signing_certificate_is_told_before_any_pin() {
    let mut spy = Spy::new(card("kobayashi-child", EXT));
    let pw = SigningPassword::new("ABC123").unwrap();
    let e = registration_tap(&mut spy, &pw, &register_request(), LastTry::Allow).unwrap_err();
    assert_eq!(e, JpkiError::NoSigningCertificate);
    assert_eq!(spy.pins_sent(), 0);
    let s = read_status(spy.inner).unwrap();
    assert!(!s.availability.signing && s.availability.auth);
    assert_eq!(s.signing_password, None);
}

#[test]
fn juki_card_is_recognised() {
    let s = read_status(card("nakamura-juki", EXT)).unwrap();
    assert_eq!(s.token.token_type, TokenType::JukiCard);
}

#[test]
fn signing_certificate_needs_the_password_and_reselect_logs_out() {
    let mut c = JpkiCard::open(card("tanaka-hanako", EXT)).unwrap();
    assert_eq!(
        c.read_certificate(fid::SIGNING_CERT),
        Err(JpkiError::PinRequired(PinKind::Signing))
    );
    c.verify_signing_password(&password("tanaka-hanako"), LastTry::Refuse)
        .unwrap();
    assert!(c.read_certificate(fid::SIGNING_CERT).is_ok());
    c.select_ap().unwrap();
    assert_eq!(
        c.read_certificate(fid::SIGNING_CERT),
        Err(JpkiError::PinRequired(PinKind::Signing))
    );
}

#[test]
fn verified_pin_is_not_sent_again() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    {
        let mut c = JpkiCard::open(&mut spy).unwrap();
        c.verify_auth_pin(&pin("tanaka-hanako"), LastTry::Refuse)
            .unwrap();
        c.verify_auth_pin(&pin("tanaka-hanako"), LastTry::Refuse)
            .unwrap();
    }
    assert_eq!(spy.pins_sent(), 1);
}

#[test]
fn tag_lost_mid_read_is_card_lost() {
    for n in 1..6 {
        let mut spy = Spy::new(card("tanaka-hanako", SHORT));
        spy.lose_after = Some(n);
        let e = registration_tap(
            &mut spy,
            &password("tanaka-hanako"),
            &register_request(),
            LastTry::Refuse,
        )
        .unwrap_err();
        assert!(matches!(e, JpkiError::CardLost(_)), "{n}: {e:?}");
        assert!(spy.pins_sent() <= 1);
    }
}

#[test]
fn not_a_my_number_card() {
    let mut c = card("tanaka-hanako", EXT);
    // Any card without the JPKI AID: a different AID table is simulated by a
    // transport that answers 6A82 to everything.
    struct NoJpki;
    impl shiori_core::Transport for NoJpki {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, shiori_core::TransportError> {
            Ok(vec![0x6A, 0x82])
        }
        fn capabilities(&self) -> shiori_core::LinkCapabilities {
            shiori_core::LinkCapabilities::SHORT_ONLY
        }
    }
    assert!(matches!(
        JpkiCard::open(NoJpki),
        Err(JpkiError::NotMyNumberCard(_))
    ));
    // A prefix of the AID does not select the AP on our card either.
    let r = c.process_apdu(&hex::decode("00A4040C05D392F00026").unwrap());
    assert_eq!(r, vec![0x6A, 0x82]);
}

#[test]
fn select_ef_then_current_ef_forms_work_like_the_real_card() {
    // OpenSC's form: SELECT the PIN IEF, then VERIFY with P2 = 80 (current EF).
    let mut c = card("tanaka-hanako", EXT);
    let h = |s: &str| hex::decode(s).unwrap();
    assert_eq!(
        c.process_apdu(&h("00A4040C0AD392F000260100000001")),
        h("9000")
    );
    assert_eq!(c.process_apdu(&h("00A4020C020018")), h("9000"));
    assert_eq!(c.process_apdu(&h("00200080")), h("63C3"));
    // READ BINARY with plain offsets reads the current EF.
    assert_eq!(c.process_apdu(&h("00A4020C02000A")), h("9000"));
    let r = c.process_apdu(&h("00B0000004"));
    assert_eq!(&r[..2], &[0x30, 0x82]);
    assert_eq!(&r[4..], &[0x90, 0x00]);
}

#[test]
fn reading_the_signing_certificate_takes_four_apdus_and_one_pin() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let cert =
        read_signing_certificate(&mut spy, &password("tanaka-hanako"), LastTry::Refuse).unwrap();
    assert_eq!(spy.commands.len(), 4);
    assert_eq!(spy.pins_sent(), 1);
    assert_eq!(cert.basic_info().unwrap().name, "田中\u{3000}花子");
}
