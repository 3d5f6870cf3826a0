//! Registrations per second, end to end over loopback, on the embedded
//! SQLite server: `cargo bench -p shiori-client --bench registrations
//! [-- RESIDENTS THREADS [--sqlite-full]]` (`--sqlite-full`: SQLite with
//! `sqlite_synchronous = "full"`, every commit on disk).
//!
//! Setup (not timed): N synthetic residents (test-vectors population), a
//! challenge each, and each card's tap (the phone's work). Timed: the N
//! `POST /registrations`, sent by THREADS client threads over keep-alive
//! connections; the server verifies both chains, the CRLs and the proof,
//! and commits patron, card number, certificates and session per request.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use shiori_client::Client;
use shiori_core::api::RegistrationRequest;
use shiori_core::jpki::flows::registration_tap;
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use shiori_core::virtual_card::VirtualCard;
use shiori_test_vectors::population::{population, PASSWORD, PIN};

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let residents = args.first().copied().unwrap_or(2_000);
    let threads = args.get(1).copied().unwrap_or(16);

    let full = std::env::args().any(|a| a == "--sqlite-full");
    let server = support::start_with("bench", |c| {
        c.challenge_ttl_secs = 3_600;
        // One client address makes every challenge: out of the limit's way.
        c.limits.challenges_per_minute = 100_000;
        if full {
            c.sqlite_synchronous = shiori_server::SqliteSynchronous::Full;
        }
    });
    let origin = server.origin.clone();

    let t = Instant::now();
    let pw = SigningPassword::new(PASSWORD).unwrap();
    let pin = AuthPin::new(PIN).unwrap();
    let setup = Client::new(&origin);
    let bodies: Vec<RegistrationRequest> = population(residents as u32)
        .unwrap()
        .into_iter()
        .map(|m| {
            let c = setup.challenge(ProofPurpose::Register).unwrap();
            let req = ProofRequest::new(
                ProofPurpose::Register,
                c.origin.clone(),
                B64.decode(&c.nonce).unwrap(),
            )
            .unwrap();
            let tap = registration_tap(
                VirtualCard::from_image(m.card).unwrap(),
                &pw,
                &pin,
                &req,
                LastTry::Refuse,
            )
            .unwrap();
            RegistrationRequest {
                challenge_id: c.id,
                signing_certificate: B64.encode(tap.signing_certificate.der()),
                auth_certificate: B64.encode(tap.auth_certificate.der()),
                message: B64.encode(&tap.message),
                signature: B64.encode(&tap.signature),
                auth_signature: Some(B64.encode(&tap.auth_signature)),
                email: "bench@example.jp".into(),
                name_kana: None,
                phone: None,
                home_branch: None,
            }
        })
        .collect();
    eprintln!(
        "setup: {} residents tapped in {:.1?}",
        bodies.len(),
        t.elapsed()
    );

    let chunks: Vec<Vec<RegistrationRequest>> = bodies
        .chunks(residents.div_ceil(threads))
        .map(<[RegistrationRequest]>::to_vec)
        .collect();
    let start = Instant::now();
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let origin = origin.clone();
            std::thread::spawn(move || {
                let mut client = Client::new(&origin);
                chunk
                    .iter()
                    .map(|body| {
                        let t = Instant::now();
                        let ok = client.register(body).map(|r| r.created).unwrap_or(false);
                        (t.elapsed(), ok)
                    })
                    .collect::<Vec<(Duration, bool)>>()
            })
        })
        .collect();
    let mut samples: Vec<(Duration, bool)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let elapsed = start.elapsed();
    let created = samples.iter().filter(|s| s.1).count();
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)].0;
    println!(
        "registrations: {created}/{} created in {:.2?} with {threads} client threads: {:.0}/s, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        samples.len(),
        elapsed,
        created as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        samples.last().map(|s| s.0).unwrap_or_default(),
    );
    drop(server);
}
