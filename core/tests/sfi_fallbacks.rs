//! Cards that do not take READ BINARY by short EF identifier as ISO 7816-4
//! says (docs/card-protocol.md, "When a card does not take SFI reads"): the
//! virtual card with each [`SfiReads`] quirk must give the same taps, the same
//! certificates and the same status as a well-behaved card, over short APDUs,
//! extended length, and an extended link smaller than a certificate; and the
//! extra APDUs each fallback costs are exactly the ones documented.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use shiori_core::apdu::StatusWord;
use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::flows::{login_tap, read_status, registration_tap};
use shiori_core::jpki::{fid, JpkiCard, KeyKind};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{verify_proof, verify_registration, RegistrationSignatures};
use shiori_core::virtual_card::{SfiReads, VirtualCardOptions};

const CARD: &str = "tanaka-hanako";

/// The links a card is tapped on: short APDUs only, extended length, and an
/// extended link that carries 1 KiB per response (so a certificate takes two
/// extended reads, the second at an offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Short,
    Extended,
    ExtendedOneKib,
}

const LINKS: [Link; 3] = [Link::Short, Link::Extended, Link::ExtendedOneKib];

const REFUSALS: [StatusWord; 3] = [
    StatusWord::IncorrectP1P2,
    StatusWord::FunctionNotSupported,
    StatusWord::CommandNotAllowed,
];

fn tap_card(sfi: SfiReads, link: Link) -> Spy<shiori_core::virtual_card::VirtualCard> {
    let opts: VirtualCardOptions = if link == Link::Short { SHORT } else { EXT };
    let mut spy = Spy::new(card(CARD, opts).with_sfi_reads(sfi));
    if link == Link::ExtendedOneKib {
        spy.max_transceive = Some(1024 + 2);
    }
    spy
}

/// The EF's DER, filler trimmed, as the card image holds it.
fn card_file(f: &str) -> Vec<u8> {
    let mut bytes = hex::decode(&image(CARD).files[f]).unwrap();
    bytes.truncate(shiori_core::cert::der_length(&bytes).unwrap());
    bytes
}

fn sfi_reads_sent<T: shiori_core::Transport>(spy: &Spy<T>) -> usize {
    spy.commands
        .iter()
        .filter(|c| c[1] == 0xB0 && c[2] & 0x80 != 0)
        .count()
}

fn pin() -> AuthPin {
    AuthPin::new(&image(CARD).auth_pin).unwrap()
}

fn hex_list<T: shiori_core::Transport>(spy: &Spy<T>) -> Vec<String> {
    spy.commands.iter().map(hex::encode_upper).collect()
}

/// Run a registration tap; check both certificates equal the card's and the
/// proof verifies. Returns the APDUs it took.
fn register(sfi: SfiReads, link: Link) -> (usize, Spy<shiori_core::virtual_card::VirtualCard>) {
    let password = SigningPassword::new(image(CARD).signing_password.as_deref().unwrap()).unwrap();
    let request = register_request();
    let mut spy = tap_card(sfi, link);
    let tap = registration_tap(&mut spy, &password, &pin(), &request, LastTry::Refuse)
        .unwrap_or_else(|e| panic!("{sfi:?} {link:?}: {e:?}\n{:#?}", hex_list(&spy)));
    assert_eq!(
        tap.signing_certificate.der(),
        card_file("0001"),
        "{sfi:?} {link:?}"
    );
    assert_eq!(
        tap.auth_certificate.der(),
        card_file("000A"),
        "{sfi:?} {link:?}"
    );
    verify_registration(
        &tap.message,
        RegistrationSignatures {
            signing: &tap.signature,
            auth: &tap.auth_signature,
        },
        &tap.signing_certificate,
        &tap.auth_certificate,
        &request,
    )
    .unwrap();
    assert_eq!(tap.apdus, spy.commands.len());
    (tap.apdus, spy)
}

fn login(sfi: SfiReads, link: Link) -> (usize, Spy<shiori_core::virtual_card::VirtualCard>) {
    let pin = AuthPin::new(&image(CARD).auth_pin).unwrap();
    let request = login_request();
    let mut spy = tap_card(sfi, link);
    let tap = login_tap(&mut spy, &pin, &request, LastTry::Refuse)
        .unwrap_or_else(|e| panic!("{sfi:?} {link:?}: {e:?}\n{:#?}", hex_list(&spy)));
    assert_eq!(
        tap.auth_certificate.der(),
        card_file("000A"),
        "{sfi:?} {link:?}"
    );
    verify_proof(
        &tap.message,
        &tap.signature,
        &tap.auth_certificate,
        &request,
        tap.auth_certificate.der(),
    )
    .unwrap();
    (tap.apdus, spy)
}

#[test]
fn registration_on_a_card_whose_sfi_reads_leave_the_current_ef() {
    for link in LINKS {
        let (baseline, _) = register(SfiReads::MakeCurrent, link);
        let (apdus, spy) = register(SfiReads::LeaveCurrent, link);
        // Whole-file extended reads need no offset read, so no fallback.
        // Otherwise: the first file's 6986 and SELECT, the second's SELECT.
        let extra = if link == Link::Extended { 0 } else { 3 };
        assert_eq!(apdus, baseline + extra, "{link:?}\n{:#?}", hex_list(&spy));
    }
}

#[test]
fn login_on_a_card_whose_sfi_reads_leave_the_current_ef() {
    for link in LINKS {
        let (baseline, _) = login(SfiReads::MakeCurrent, link);
        let (apdus, spy) = login(SfiReads::LeaveCurrent, link);
        let extra = if link == Link::Extended { 0 } else { 2 };
        assert_eq!(apdus, baseline + extra, "{link:?}\n{:#?}", hex_list(&spy));
    }
}

#[test]
fn registration_on_a_card_that_refuses_sfi_reads() {
    for sw in REFUSALS {
        for link in LINKS {
            let (baseline, _) = register(SfiReads::MakeCurrent, link);
            let (apdus, spy) = register(SfiReads::Refused(sw), link);
            // The refused read, then one SELECT EF per certificate.
            assert_eq!(apdus, baseline + 3, "{sw} {link:?}\n{:#?}", hex_list(&spy));
            // Remembered for the session: one read by SFI, ever.
            assert_eq!(sfi_reads_sent(&spy), 1, "{sw} {link:?}");
        }
    }
}

#[test]
fn login_on_a_card_that_refuses_sfi_reads() {
    for sw in REFUSALS {
        for link in LINKS {
            let (baseline, _) = login(SfiReads::MakeCurrent, link);
            let (apdus, spy) = login(SfiReads::Refused(sw), link);
            assert_eq!(apdus, baseline + 2, "{sw} {link:?}\n{:#?}", hex_list(&spy));
        }
    }
}

#[test]
fn status_on_a_card_that_refuses_sfi_reads() {
    for sw in REFUSALS {
        for link in LINKS {
            let baseline = read_status(tap_card(SfiReads::MakeCurrent, link)).unwrap();
            let mut spy = tap_card(SfiReads::Refused(sw), link);
            let status = read_status(&mut spy)
                .unwrap_or_else(|e| panic!("{sw} {link:?}: {e:?}\n{:#?}", hex_list(&spy)));
            assert_eq!(status, baseline);
            // SELECT AP, refused read, SELECT 0006 + read, SELECT 0008 + read,
            // two tries queries.
            assert_eq!(spy.commands.len(), 5 + 3, "{:#?}", hex_list(&spy));
            assert_eq!(sfi_reads_sent(&spy), 1);
        }
    }
}

#[test]
fn status_on_a_card_whose_sfi_reads_leave_the_current_ef() {
    for link in LINKS {
        let baseline = read_status(tap_card(SfiReads::MakeCurrent, link)).unwrap();
        let mut spy = tap_card(SfiReads::LeaveCurrent, link);
        assert_eq!(read_status(&mut spy).unwrap(), baseline);
        assert_eq!(spy.commands.len(), 5);
    }
}

#[test]
fn a_link_without_extended_length_on_a_card_that_refuses_sfi_reads() {
    // The link claims extended length, the card answers 6700 to it and 6A86
    // to any read by SFI: both fallbacks in one tap.
    let mut spy =
        Spy::new(card(CARD, SHORT).with_sfi_reads(SfiReads::Refused(StatusWord::IncorrectP1P2)));
    spy.claim_extended = true;
    let password = SigningPassword::new(image(CARD).signing_password.as_deref().unwrap()).unwrap();
    let tap = registration_tap(
        &mut spy,
        &password,
        &pin(),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_or_else(|e| panic!("{e:?}\n{:#?}", hex_list(&spy)));
    assert_eq!(tap.signing_certificate.der(), card_file("0001"));
    assert_eq!(tap.auth_certificate.der(), card_file("000A"));
    let (short, _) = register(SfiReads::Refused(StatusWord::IncorrectP1P2), Link::Short);
    // The 6700 to the one extended read; then as on a short link.
    assert_eq!(tap.apdus, short + 1, "{:#?}", hex_list(&spy));
}

#[test]
fn verify_and_sign_name_their_ef_by_sfi_whatever_ef_is_selected() {
    // VERIFY `00 20 00 (80|SFI)` and SIGN `80 2A 00 (80|SFI)` carry the PIN
    // and key reference in P2: they must work after a SELECT EF of a
    // certificate, in any order (the registration tap VERIFYs the auth PIN
    // after both certificates are read).
    for sfi in [
        SfiReads::LeaveCurrent,
        SfiReads::Refused(StatusWord::IncorrectP1P2),
    ] {
        for link in LINKS {
            let mut c = JpkiCard::open(tap_card(sfi, link)).unwrap();
            let auth = c.read_certificate(fid::AUTH_CERT).unwrap();
            assert_eq!(auth, card_file("000A"));
            let auth = JpkiCertificate::from_der(&auth).unwrap();
            c.verify_auth_pin(
                &AuthPin::new(&image(CARD).auth_pin).unwrap(),
                LastTry::Refuse,
            )
            .unwrap();
            c.sign(KeyKind::Auth, b"after SELECT 000A", &auth).unwrap();
            let password =
                SigningPassword::new(image(CARD).signing_password.as_deref().unwrap()).unwrap();
            c.verify_signing_password(&password, LastTry::Refuse)
                .unwrap();
            let signing = c.read_certificate(fid::SIGNING_CERT).unwrap();
            assert_eq!(signing, card_file("0001"), "{sfi:?} {link:?}");
            let signing = JpkiCertificate::from_der(&signing).unwrap();
            c.sign(KeyKind::Signing, b"after SELECT 0001", &signing)
                .unwrap();
            // The auth certificate again, now that 0001 is the current EF.
            assert_eq!(
                c.read_certificate(fid::AUTH_CERT).unwrap(),
                card_file("000A")
            );
        }
    }
}
