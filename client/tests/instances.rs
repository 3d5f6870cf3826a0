//! Several server instances on one database, as behind a load balancer: a
//! challenge issued by one instance is answered at another, a session made
//! by one works at the other, a used challenge is used everywhere, and
//! simultaneous registrations spread over the instances get unique card
//! numbers. Nothing an instance needs may live in its memory.
//!
//! On SQLite the instances share one file (WAL); with `SHIORI_TEST_POSTGRES`
//! set (as `.ci/run` does) they share one PostgreSQL database.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use shiori_client::flows::{register_with_card, RegistrationDetails};
use shiori_client::Client;
use shiori_core::api::{Challenge, LoginRequest, RegistrationRequest};
use shiori_core::jpki::flows::{login_tap, registration_tap};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use shiori_core::virtual_card::VirtualCard;
use shiori_test_vectors::population::{population, PASSWORD, PIN};

mod support;
use support::image;

const PUBLIC_ORIGIN: &str = "https://library.example.jp";

fn proof_request(c: &Challenge, purpose: ProofPurpose) -> ProofRequest {
    assert_eq!(
        c.origin, PUBLIC_ORIGIN,
        "every instance names the public origin"
    );
    ProofRequest::new(purpose, c.origin.clone(), B64.decode(&c.nonce).unwrap()).unwrap()
}

#[test]
fn a_challenge_from_one_instance_is_answered_at_another() {
    let servers = support::start_instances("instances-cross", 2, PUBLIC_ORIGIN);
    let mut a = Client::new(&servers[0].origin);
    let mut b = Client::new(&servers[1].origin);
    let img = image("tanaka-hanako");
    let pw = SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&img.auth_pin).unwrap();

    // Registration: challenge at A, answer at B.
    let challenge = a.challenge(ProofPurpose::Register).unwrap();
    let request = proof_request(&challenge, ProofPurpose::Register);
    let card = VirtualCard::from_image(img.clone()).unwrap();
    let tap = registration_tap(card, &pw, &pin, &request, LastTry::Refuse).unwrap();
    let body = RegistrationRequest {
        challenge_id: challenge.id,
        signing_certificate: B64.encode(tap.signing_certificate.der()),
        auth_certificate: B64.encode(tap.auth_certificate.der()),
        message: B64.encode(&tap.message),
        signature: B64.encode(&tap.signature),
        auth_signature: Some(B64.encode(&tap.auth_signature)),
        email: "hanako@example.jp".into(),
        name_kana: None,
        phone: None,
        home_branch: None,
    };
    let registered = b.register(&body).unwrap();
    assert!(registered.created);

    // The session B issued works at A.
    a.set_token(&registered.session.token);
    assert_eq!(a.me().unwrap().id, registered.patron.id);

    // The challenge B consumed is consumed at A too.
    let replay = a.register(&body).unwrap_err();
    assert_eq!(replay.code(), "challenge_reused", "{replay}");

    // Login: challenge at B, answer at A, same patron.
    let challenge = b.challenge(ProofPurpose::Login).unwrap();
    let request = proof_request(&challenge, ProofPurpose::Login);
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let tap = login_tap(
        VirtualCard::from_image(img).unwrap(),
        &pin,
        &request,
        LastTry::Refuse,
    )
    .unwrap();
    let mut c = Client::new(&servers[0].origin);
    let login = c
        .login(&LoginRequest {
            challenge_id: challenge.id,
            auth_certificate: B64.encode(tap.auth_certificate.der()),
            message: B64.encode(&tap.message),
            signature: B64.encode(&tap.signature),
        })
        .unwrap();
    assert_eq!(login.patron.id, registered.patron.id);
    assert_eq!(login.patron.card_number, registered.patron.card_number);

    // Logging out at B ends the session everywhere.
    let mut at_b = Client::new(&servers[1].origin);
    at_b.set_token(&login.session.token);
    at_b.logout().unwrap();
    let mut at_a = Client::new(&servers[0].origin);
    at_a.set_token(&login.session.token);
    assert_eq!(at_a.me().unwrap_err().code(), "unauthorized");
}

#[test]
fn simultaneous_registrations_across_instances_get_unique_numbers() {
    const RESIDENTS: u32 = 60;
    let servers = support::start_instances("instances-load", 3, PUBLIC_ORIGIN);
    let members = population(RESIDENTS).unwrap();
    let barrier = Arc::new(Barrier::new(members.len()));
    let handles: Vec<_> = members
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let origin = servers[i % servers.len()].origin.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut client = Client::new(&origin);
                let details = RegistrationDetails {
                    email: format!("resident{i}@example.jp"),
                    ..Default::default()
                };
                let card = VirtualCard::from_image(m.card).unwrap();
                let pw = SigningPassword::new(PASSWORD).unwrap();
                let pin = AuthPin::new(PIN).unwrap();
                barrier.wait();
                let done =
                    register_with_card(&mut client, card, &pw, &pin, &details, LastTry::Refuse)
                        .unwrap();
                (m.name, done.response)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut numbers = BTreeSet::new();
    for (name, response) in &results {
        assert!(response.created, "{name} is a new patron");
        assert_eq!(&response.patron.name, name);
        numbers.insert(response.patron.card_number.clone());
    }
    assert_eq!(numbers.len(), RESIDENTS as usize, "unique card numbers");

    // Every instance sees every patron: log each one in at another instance.
    for (i, (_, response)) in results.iter().enumerate() {
        let mut other = Client::new(&servers[(i + 1) % servers.len()].origin);
        other.set_token(&response.session.token);
        assert_eq!(other.me().unwrap().card_number, response.patron.card_number);
    }
}
