//! 200 different residents registering at the same moment over real
//! loopback HTTP: nothing is lost, every one becomes a patron with their own
//! facts, and the card numbers are unique.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use shiori_client::flows::{register_with_card, RegistrationDetails};
use shiori_client::Client;
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::virtual_card::VirtualCard;
use shiori_test_vectors::population::{population, PASSWORD, PIN};

mod support;

const RESIDENTS: u32 = 200;

#[test]
fn two_hundred_simultaneous_registrations() {
    // All 200 come from 127.0.0.1: lift the per-address challenge limit,
    // which this test is not about (server/tests/bounds.rs is).
    let server = support::start_with("concurrency", |c| {
        c.limits.challenges_per_minute = 1_000;
    });
    let members = population(RESIDENTS).unwrap();
    let barrier = Arc::new(Barrier::new(members.len()));
    let handles: Vec<_> = members
        .into_iter()
        .map(|m| {
            let origin = server.origin.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut client = Client::new(&origin);
                let details = RegistrationDetails {
                    email: format!("{}@example.jp", m.card.name),
                    ..Default::default()
                };
                let card = VirtualCard::from_image(m.card).unwrap();
                let pw = SigningPassword::new(PASSWORD).unwrap();
                let pin = AuthPin::new(PIN).unwrap();
                // Everyone fetches a challenge and taps, then all send together.
                barrier.wait();
                let done =
                    register_with_card(&mut client, card, &pw, &pin, &details, LastTry::Refuse)
                        .unwrap();
                let me = client.me().unwrap();
                (m.name, m.address, done.response.created, me)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.len(), RESIDENTS as usize);
    let mut numbers = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (name, address, created, me) in &results {
        assert!(created, "{name} must be a new patron");
        assert_eq!(
            &me.name, name,
            "facts come from each resident's own certificate"
        );
        assert_eq!(&me.address, address);
        numbers.insert(me.card_number.clone());
        ids.insert(me.id.clone());
    }
    assert_eq!(ids.len(), RESIDENTS as usize, "one patron per resident");
    assert_eq!(numbers.len(), RESIDENTS as usize, "unique card numbers");
}
