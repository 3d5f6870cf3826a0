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
use shiori_core::proof::{verify_proof, verify_registration, RegistrationSignatures};
use shiori_core::virtual_card::VirtualCardOptions;

fn password(name: &str) -> SigningPassword {
    SigningPassword::new(image(name).signing_password.as_deref().unwrap()).unwrap()
}

fn pin(name: &str) -> AuthPin {
    AuthPin::new(&image(name).auth_pin).unwrap()
}

/// The registration tap on `tanaka-hanako` with her right secrets.
fn register_tanaka(
    t: &mut impl shiori_core::Transport,
    last: LastTry,
) -> Result<shiori_core::jpki::flows::RegistrationTap, JpkiError> {
    registration_tap(
        t,
        &password("tanaka-hanako"),
        &pin("tanaka-hanako"),
        &register_request(),
        last,
    )
}

fn cert_len(name: &str, f: &str) -> usize {
    let bytes = hex::decode(&image(name).files[f]).unwrap();
    shiori_core::cert::der_length(&bytes).unwrap()
}

#[test]
fn registration_with_extended_length_takes_nine_apdus() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let req = register_request();
    let tap = registration_tap(
        &mut spy,
        &password("tanaka-hanako"),
        &pin("tanaka-hanako"),
        &req,
        LastTry::Refuse,
    )
    .unwrap();
    // SELECT, 2 tries, VERIFY password, 2 reads, SIGN, VERIFY PIN, SIGN.
    assert_eq!(
        tap.apdus,
        9,
        "{:#?}",
        spy.commands
            .iter()
            .map(hex::encode_upper)
            .collect::<Vec<_>>()
    );
    assert_eq!(spy.commands.len(), 9);
    assert_eq!(spy.pins_sent(), 2);
    // The card's proof verifies with the same verifier the server uses.
    verify_registration(
        &tap.message,
        RegistrationSignatures {
            signing: &tap.signature,
            auth: &tap.auth_signature,
        },
        &tap.signing_certificate,
        &tap.auth_certificate,
        &req,
    )
    .unwrap();
    let info = tap.signing_certificate.basic_info().unwrap();
    assert_eq!(info.name, "田中\u{3000}花子");
}

#[test]
fn registration_with_short_apdus_stays_within_budget() {
    let mut spy = Spy::new(card("tanaka-hanako", SHORT));
    let tap = register_tanaka(&mut spy, LastTry::Refuse).unwrap();
    let reads = cert_len("tanaka-hanako", "0001").div_ceil(256)
        + cert_len("tanaka-hanako", "000A").div_ceil(256);
    // SELECT + 2 tries + 2 VERIFY + reads + 2 signs, no SELECT EF.
    assert_eq!(tap.apdus, 5 + reads + 2);
    assert!(tap.apdus <= 22, "{} APDUs", tap.apdus);
}

#[test]
fn extended_refused_by_card_falls_back_to_short_reads() {
    // The link claims extended length but the card answers 6700.
    let mut spy = Spy::new(card("sato-ichiro", SHORT));
    spy.claim_extended = true;
    let tap = registration_tap(
        &mut spy,
        &password("sato-ichiro"),
        &pin("sato-ichiro"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
    let reads = cert_len("sato-ichiro", "0001").div_ceil(256)
        + cert_len("sato-ichiro", "000A").div_ceil(256);
    assert_eq!(
        tap.apdus,
        5 + 1 + reads + 2,
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
        &pin("tanaka-hanako"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap();
    assert_eq!(tap.signature.len(), 256);
    assert_eq!(tap.auth_signature.len(), 256);
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
    let e = registration_tap(
        &mut spy,
        &wrong,
        &pin("tanaka-hanako"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(
        e,
        JpkiError::WrongPin {
            pin: PinKind::Signing,
            tries_left: 4
        }
    );
    assert_eq!(
        spy.pins_sent(),
        1,
        "the auth PIN is not sent after a wrong password"
    );
    assert_eq!(spy.inner.tries_left(), (3, Some(4)));
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
        &pin("tanaka-hanako"),
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
        &pin("suzuki-minoru"),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Signing));
    assert_eq!(spy.pins_sent(), 0, "no PIN may be sent");
    assert_eq!(spy.inner.tries_left(), (1, Some(1)));
    // With consent and the right secrets it goes through and resets both
    // counters.
    let mut c = spy.inner;
    registration_tap(
        &mut c,
        &password("suzuki-minoru"),
        &pin("suzuki-minoru"),
        &register_request(),
        LastTry::Allow,
    )
    .unwrap();
    assert_eq!(c.tries_left(), (3, Some(5)));
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
        &pin("yamada-taro-blocked"),
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
    let e = registration_tap(
        &mut spy,
        &pw,
        &pin("kobayashi-child"),
        &register_request(),
        LastTry::Allow,
    )
    .unwrap_err();
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
    // Lose the card before each command of the short-APDU tap in turn.
    let reads = cert_len("tanaka-hanako", "0001").div_ceil(256)
        + cert_len("tanaka-hanako", "000A").div_ceil(256);
    for n in 1..5 + reads + 2 {
        let mut spy = Spy::new(card("tanaka-hanako", SHORT));
        spy.lose_after = Some(n);
        let e = register_tanaka(&mut spy, LastTry::Refuse).unwrap_err();
        assert!(matches!(e, JpkiError::CardLost(_)), "{n}: {e:?}");
        assert!(spy.pins_sent() <= 2);
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

// ---- The registration tap with both secrets (issue 10, item 1) ----

/// P2 of VERIFY for the auth PIN (SFI 18) and the signing password (SFI 1B).
const AUTH_P2: u8 = 0x98;
const SIGNING_P2: u8 = 0x9B;

/// VERIFY commands that carried a secret to the counter `p2`.
fn secrets_sent_to(spy: &Spy<impl shiori_core::Transport>, p2: u8) -> usize {
    spy.commands
        .iter()
        .filter(|c| c.len() > 5 && c[1] == 0x20 && c[3] == p2)
        .count()
}

/// Spend `n` tries of the auth PIN with a wrong PIN, as a resident mistyping
/// it at earlier login taps would.
fn spend_auth_tries(c: &mut shiori_core::virtual_card::VirtualCard, n: usize) {
    let mut card = JpkiCard::open(c).unwrap();
    for _ in 0..n {
        let e = card
            .verify_auth_pin(&AuthPin::new("0000").unwrap(), LastTry::Allow)
            .unwrap_err();
        assert!(matches!(e, JpkiError::WrongPin { .. }), "{e:?}");
    }
}

/// Spend `n` tries of the signing password with a wrong password.
fn spend_signing_tries(c: &mut shiori_core::virtual_card::VirtualCard, n: usize) {
    let mut card = JpkiCard::open(c).unwrap();
    for _ in 0..n {
        let e = card
            .verify_signing_password(&SigningPassword::new("WRONG1").unwrap(), LastTry::Allow)
            .unwrap_err();
        assert!(matches!(e, JpkiError::WrongPin { .. }), "{e:?}");
    }
}

#[test]
fn registration_reads_both_counters_before_sending_either_secret() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    register_tanaka(&mut spy, LastTry::Refuse).unwrap();
    // The command headers, in order (VERIFY bodies and digests left out).
    let heads: Vec<String> = spy
        .commands
        .iter()
        .map(|c| {
            let with_data = if c.len() > 5 && c[1] == 0x20 {
                " +secret"
            } else {
                ""
            };
            format!("{}{with_data}", hex::encode_upper(&c[..4]))
        })
        .collect();
    assert_eq!(
        heads,
        [
            "00A4040C",         // SELECT JPKI AP
            "0020009B",         // tries left, signing password
            "00200098",         // tries left, auth PIN
            "0020009B +secret", // VERIFY signing password
            "00B08100",         // READ signing certificate
            "00B08A00",         // READ auth certificate
            "802A009A",         // SIGN with the signing key
            "00200098 +secret", // VERIFY auth PIN (no second tries read)
            "802A0097",         // SIGN with the auth key
        ],
    );
}

#[test]
fn blocked_auth_pin_refuses_before_the_signing_password_is_sent() {
    let mut c = card("tanaka-hanako", EXT);
    spend_auth_tries(&mut c, 3);
    assert_eq!(c.tries_left(), (0, Some(5)));
    let mut spy = Spy::new(c);
    let e = register_tanaka(&mut spy, LastTry::Allow).unwrap_err();
    assert_eq!(e, JpkiError::PinBlocked(PinKind::Auth));
    assert_eq!(secrets_sent_to(&spy, SIGNING_P2), 0, "no password sent");
    assert_eq!(spy.pins_sent(), 0);
    assert_eq!(spy.inner.tries_left(), (0, Some(5)));
}

#[test]
fn auth_pin_at_its_last_try_refuses_before_the_signing_password_is_sent() {
    let mut c = card("tanaka-hanako", EXT);
    spend_auth_tries(&mut c, 2);
    let mut spy = Spy::new(c);
    let e = register_tanaka(&mut spy, LastTry::Refuse).unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Auth));
    assert_eq!(secrets_sent_to(&spy, SIGNING_P2), 0, "no password sent");
    assert_eq!(spy.pins_sent(), 0);
    assert_eq!(spy.inner.tries_left(), (1, Some(5)));
    // Once the resident confirmed the warning, the right PIN goes through
    // and resets the counter.
    let mut c = spy.inner;
    register_tanaka(&mut c, LastTry::Allow).unwrap();
    assert_eq!(c.tries_left(), (3, Some(5)));
}

#[test]
fn signing_password_at_its_last_try_refuses_before_anything_is_sent() {
    let mut c = card("tanaka-hanako", EXT);
    spend_signing_tries(&mut c, 4);
    assert_eq!(c.tries_left(), (3, Some(1)));
    let mut spy = Spy::new(c);
    let e = register_tanaka(&mut spy, LastTry::Refuse).unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Signing));
    assert_eq!(spy.pins_sent(), 0, "neither secret sent");
    assert_eq!(spy.inner.tries_left(), (3, Some(1)));
}

#[test]
fn wrong_auth_pin_after_a_correct_password_costs_one_auth_try_only() {
    let mut spy = Spy::new(card("tanaka-hanako", EXT));
    let e = registration_tap(
        &mut spy,
        &password("tanaka-hanako"),
        &AuthPin::new("0000").unwrap(),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(
        e,
        JpkiError::WrongPin {
            pin: PinKind::Auth,
            tries_left: 2
        }
    );
    // The password was sent once, before; its counter was not touched
    // again (one tries read, one VERIFY), and nothing follows the wrong PIN.
    assert_eq!(secrets_sent_to(&spy, SIGNING_P2), 1);
    assert_eq!(
        spy.commands
            .iter()
            .filter(|c| c[1] == 0x20 && c[3] == SIGNING_P2)
            .count(),
        2
    );
    assert_eq!(secrets_sent_to(&spy, AUTH_P2), 1);
    let last = spy.commands.last().unwrap();
    assert_eq!((last[1], last[3], last.len() > 5), (0x20, AUTH_P2, true));
    assert_eq!(spy.inner.tries_left(), (2, Some(5)));
}
