//! The registration proof signed by both keys (`proof::verify_registration`),
//! fed with real taps of two virtual cards: what an honest client sends
//! verifies, and what a tampered client can make with its own card and
//! someone else's public certificates is refused with the right code.
//!
//! Why this matters: an auth certificate is public (any reader gets it
//! without a PIN), so a registration must show that the person who holds the
//! signing key also holds the auth key of the certificate presented beside
//! it (docs/card-protocol.md, "Registration tap").
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::flows::{registration_tap, RegistrationTap};
use shiori_core::jpki::{fid, JpkiCard, KeyKind};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{
    verify_proof, verify_registration, ProofError, ProofMessage, RegistrationSignatures,
};

/// An honest registration tap of the card `name`, answering `register_request()`.
fn tap(name: &str) -> RegistrationTap {
    let img = image(name);
    registration_tap(
        card(name, EXT),
        &SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap(),
        &AuthPin::new(&img.auth_pin).unwrap(),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap()
}

/// What a tampered client can make with its own card `name`: `message`
/// signed by that card's signing key and by its auth key, whatever the
/// message binds.
fn sign_with_own_card(name: &str, message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let img = image(name);
    let mut c = JpkiCard::open(card(name, EXT)).unwrap();
    c.verify_signing_password(
        &SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap(),
        LastTry::Refuse,
    )
    .unwrap();
    let signing =
        JpkiCertificate::from_der(&c.read_certificate(fid::SIGNING_CERT).unwrap()).unwrap();
    let auth = JpkiCertificate::from_der(&c.read_certificate(fid::AUTH_CERT).unwrap()).unwrap();
    let signature = c.sign(KeyKind::Signing, message, &signing).unwrap();
    c.verify_auth_pin(&AuthPin::new(&img.auth_pin).unwrap(), LastTry::Refuse)
        .unwrap();
    let auth_signature = c.sign(KeyKind::Auth, message, &auth).unwrap();
    (signature, auth_signature)
}

fn verify(
    message: &[u8],
    signing_sig: &[u8],
    auth_sig: &[u8],
    signing: &JpkiCertificate,
    auth: &JpkiCertificate,
) -> Result<ProofMessage, ProofError> {
    verify_registration(
        message,
        RegistrationSignatures {
            signing: signing_sig,
            auth: auth_sig,
        },
        signing,
        auth,
        &register_request(),
    )
}

#[test]
fn honest_taps_of_two_cards_verify() {
    for name in ["tanaka-hanako", "sato-ichiro"] {
        let t = tap(name);
        let m = verify(
            &t.message,
            &t.signature,
            &t.auth_signature,
            &t.signing_certificate,
            &t.auth_certificate,
        )
        .unwrap();
        assert!(m.signing_certificate_sha256.is_some(), "{name}: version 2");
    }
}

#[test]
fn another_cards_auth_certificate_beside_a_tap_is_refused() {
    // The attacker taps their own card (sato) and sends the victim's
    // (tanaka's) public auth certificate in place of their own.
    let attacker = tap("sato-ichiro");
    let victim = tap("tanaka-hanako");
    assert_eq!(
        verify(
            &attacker.message,
            &attacker.signature,
            &attacker.auth_signature,
            &attacker.signing_certificate,
            &victim.auth_certificate,
        )
        .unwrap_err(),
        ProofError::AuthCertificateMismatch
    );
}

#[test]
fn a_message_bound_to_another_cards_auth_certificate_needs_that_cards_auth_key() {
    // The tampered client builds the message around the victim's auth
    // certificate and signs it with both keys of the attacker's own card.
    let attacker = tap("sato-ichiro");
    let victim = tap("tanaka-hanako");
    let message = register_request()
        .registration_message(
            victim.auth_certificate.der(),
            attacker.signing_certificate.der(),
        )
        .to_bytes();
    let (signature, own_auth_signature) = sign_with_own_card("sato-ichiro", &message);
    let verify_with = |auth_sig: &[u8]| {
        verify(
            &message,
            &signature,
            auth_sig,
            &attacker.signing_certificate,
            &victim.auth_certificate,
        )
    };
    // Its own auth key's signature does not verify with the victim's key.
    assert_eq!(
        verify_with(&own_auth_signature).unwrap_err(),
        ProofError::BadAuthSignature
    );
    // Nor does a genuine signature of the victim's auth key over another
    // message (the victim's own registration, e.g. replayed from a log).
    assert_eq!(
        verify_with(&victim.auth_signature).unwrap_err(),
        ProofError::BadAuthSignature
    );
    // And leaving it out is named as such.
    assert_eq!(
        verify_with(&[]).unwrap_err(),
        ProofError::AuthSignatureMissing
    );
}

#[test]
fn another_cards_signing_certificate_is_refused() {
    let attacker = tap("sato-ichiro");
    let victim = tap("tanaka-hanako");
    // The attacker's tap with the victim's signing certificate beside it.
    assert_eq!(
        verify(
            &attacker.message,
            &attacker.signature,
            &attacker.auth_signature,
            &victim.signing_certificate,
            &attacker.auth_certificate,
        )
        .unwrap_err(),
        ProofError::SigningCertificateMismatch
    );
    // A message built around the victim's signing certificate, signed by
    // both of the attacker's keys: the signing key's signature fails.
    let message = register_request()
        .registration_message(
            attacker.auth_certificate.der(),
            victim.signing_certificate.der(),
        )
        .to_bytes();
    let (signature, auth_signature) = sign_with_own_card("sato-ichiro", &message);
    assert_eq!(
        verify(
            &message,
            &signature,
            &auth_signature,
            &victim.signing_certificate,
            &attacker.auth_certificate,
        )
        .unwrap_err(),
        ProofError::BadSignature
    );
}

#[test]
fn signatures_in_each_others_place_are_refused() {
    let t = tap("tanaka-hanako");
    assert_eq!(
        verify(
            &t.message,
            &t.auth_signature,
            &t.signature,
            &t.signing_certificate,
            &t.auth_certificate,
        )
        .unwrap_err(),
        ProofError::BadSignature
    );
    // The signing signature in both places: the auth check fails.
    assert_eq!(
        verify(
            &t.message,
            &t.signature,
            &t.signature,
            &t.signing_certificate,
            &t.auth_certificate,
        )
        .unwrap_err(),
        ProofError::BadAuthSignature
    );
    // Certificates in each other's place: the message binds neither so.
    assert_eq!(
        verify(
            &t.message,
            &t.signature,
            &t.auth_signature,
            &t.auth_certificate,
            &t.signing_certificate,
        )
        .unwrap_err(),
        ProofError::AuthCertificateMismatch
    );
}

#[test]
fn a_signing_key_only_registration_is_outdated() {
    // What clients before the two-key registration sent: a version-1
    // message binding the auth certificate, signed by the signing key alone.
    let t = tap("tanaka-hanako");
    let v1 = register_request()
        .message(t.auth_certificate.der())
        .to_bytes();
    assert_eq!(v1[18], 1, "format version 1");
    let (signature, _) = sign_with_own_card("tanaka-hanako", &v1);
    assert_eq!(
        verify(
            &v1,
            &signature,
            &[],
            &t.signing_certificate,
            &t.auth_certificate,
        )
        .unwrap_err(),
        ProofError::OutdatedRegistration
    );
    // The login verifier does not take it either.
    assert_eq!(
        verify_proof(
            &v1,
            &signature,
            &t.signing_certificate,
            &register_request(),
            t.auth_certificate.der(),
        )
        .unwrap_err(),
        ProofError::OutdatedRegistration
    );
}

#[test]
fn login_and_registration_verifiers_do_not_cross() {
    let t = tap("tanaka-hanako");
    // A registration message is not a login proof, even with a register
    // challenge and a genuine signature.
    assert_eq!(
        verify_proof(
            &t.message,
            &t.signature,
            &t.signing_certificate,
            &register_request(),
            t.auth_certificate.der(),
        )
        .unwrap_err(),
        ProofError::WrongPurpose
    );
    // The registration verifier refuses a login challenge.
    assert_eq!(
        verify_registration(
            &t.message,
            RegistrationSignatures {
                signing: &t.signature,
                auth: &t.auth_signature,
            },
            &t.signing_certificate,
            &t.auth_certificate,
            &login_request(),
        )
        .unwrap_err(),
        ProofError::WrongPurpose
    );
}
