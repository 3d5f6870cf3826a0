//! A hostile or broken card must end in a typed error: never a hang, never a
//! panic, never a PIN sent twice.
#![allow(clippy::unwrap_used)]

mod common;

use common::register_request;
use proptest::prelude::*;
use shiori_core::jpki::flows::{read_status, registration_tap};
use shiori_core::jpki::{JpkiCard, JpkiError};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::{LinkCapabilities, Transport, TransportError};

/// Answers every command with `answer(command)`; counts PINs.
struct Hostile<F: FnMut(&[u8]) -> Vec<u8>> {
    answer: F,
    sent: usize,
    pins: usize,
    /// P2 (which counter) of every VERIFY that carried a secret.
    pin_refs: Vec<u8>,
    extended: bool,
}

impl<F: FnMut(&[u8]) -> Vec<u8>> Transport for Hostile<F> {
    fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        assert!(self.sent < 10_000, "the client did not stop");
        if c.len() > 5 && c[1] == 0x20 {
            self.pins += 1;
            self.pin_refs.push(c[3]);
        }
        Ok((self.answer)(c))
    }
    fn capabilities(&self) -> LinkCapabilities {
        if self.extended {
            LinkCapabilities::EXTENDED
        } else {
            LinkCapabilities::SHORT_ONLY
        }
    }
}

fn hostile<F: FnMut(&[u8]) -> Vec<u8>>(answer: F, extended: bool) -> Hostile<F> {
    Hostile {
        answer,
        sent: 0,
        pins: 0,
        pin_refs: Vec::new(),
        extended,
    }
}

fn pw() -> SigningPassword {
    SigningPassword::new("ABC123").unwrap()
}

fn pin() -> AuthPin {
    AuthPin::new("1234").unwrap()
}

#[test]
fn ok_to_everything() {
    for ext in [false, true] {
        let mut h = hostile(|_| vec![0x90, 0x00], ext);
        let e = registration_tap(&mut h, &pw(), &pin(), &register_request(), LastTry::Allow)
            .unwrap_err();
        assert!(matches!(e, JpkiError::MalformedResponse { .. }), "{e:?}");
        assert_eq!(
            h.pins, 0,
            "9000 to the tries query means already verified: no PIN"
        );
    }
}

#[test]
fn endless_61xx() {
    let mut h = hostile(|_| vec![0x61, 0x00], false);
    let e = JpkiCard::open(&mut h).err().unwrap();
    assert!(matches!(e, JpkiError::Protocol(_)), "{e:?}");
}

#[test]
fn endless_6cxx_is_not_followed_forever() {
    let mut h = hostile(|_| vec![0x6C, 0x10], false);
    assert!(read_status(&mut h).is_err());
    assert!(h.sent <= 2);
}

#[test]
fn certificate_longer_than_any_real_one() {
    let mut h = hostile(
        |c| match c[1] {
            0xB0 => {
                let mut v = vec![0x30, 0x83, 0x7F, 0xFF, 0xFF];
                v.resize(256, 0);
                v.extend_from_slice(&[0x90, 0]);
                v
            }
            _ => vec![0x90, 0x00],
        },
        false,
    );
    let mut card = JpkiCard::open(&mut h).unwrap();
    let e = card.read_certificate(0x000A).unwrap_err();
    assert!(matches!(e, JpkiError::MalformedResponse { .. }), "{e:?}");
}

#[test]
fn file_shorter_than_its_der_header() {
    // Claims 0x0600 bytes, then says end-of-file after the first chunk.
    let mut h = hostile(
        |c| match (c[1], c[2]) {
            (0xB0, p1) if p1 & 0x80 != 0 => {
                let mut v = vec![0x30, 0x82, 0x06, 0x00];
                v.resize(256, 0xAB);
                v.extend_from_slice(&[0x90, 0]);
                v
            }
            (0xB0, _) => vec![0x6B, 0x00],
            _ => vec![0x90, 0x00],
        },
        false,
    );
    let mut card = JpkiCard::open(&mut h).unwrap();
    assert!(matches!(
        card.read_certificate(0x000A),
        Err(JpkiError::MalformedResponse { .. })
    ));
}

#[test]
fn wrong_pin_answer_after_verify_is_not_retried() {
    let mut h = hostile(
        |c| match (c[1], c.len()) {
            (0x20, 4) => vec![0x63, 0xC5],
            (0x20, _) => vec![0x63, 0xC4],
            _ => vec![0x90, 0x00],
        },
        false,
    );
    let e =
        registration_tap(&mut h, &pw(), &pin(), &register_request(), LastTry::Refuse).unwrap_err();
    assert!(
        matches!(e, JpkiError::WrongPin { tries_left: 4, .. }),
        "{e:?}"
    );
    assert_eq!(h.pins, 1);
}

#[test]
fn odd_answer_to_the_auth_tries_query_sends_no_secret() {
    // The signing password's counter answers normally; the auth PIN's
    // counter answers with something no JPKI card says there.
    for odd in [[0x6A, 0x82], [0x6F, 0x00], [0x69, 0x85]] {
        let mut h = hostile(
            |c| match (c[1], c[3], c.len()) {
                (0x20, 0x9B, 4) => vec![0x63, 0xC5],
                (0x20, 0x98, 4) => odd.to_vec(),
                _ => vec![0x90, 0x00],
            },
            true,
        );
        let e = registration_tap(&mut h, &pw(), &pin(), &register_request(), LastTry::Allow)
            .unwrap_err();
        assert!(
            matches!(e, JpkiError::UnexpectedStatus { .. }),
            "{odd:02X?}: {e:?}"
        );
        assert_eq!(h.pins, 0, "{odd:02X?}: no secret after an odd tries answer");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Random answers to every command: the flow ends in Ok or a typed error,
    /// and never sends either secret twice.
    #[test]
    fn random_answers(seed in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..40), ext in any::<bool>()) {
        let mut i = 0;
        let mut h = hostile(move |_| { i += 1; seed[i % seed.len()].clone() }, ext);
        let _ = registration_tap(&mut h, &pw(), &pin(), &register_request(), LastTry::Allow);
        prop_assert!(h.pins <= 2);
        let mut refs = h.pin_refs.clone();
        refs.sort_unstable();
        refs.dedup();
        prop_assert_eq!(refs.len(), h.pin_refs.len(), "a secret sent twice");
    }
}
