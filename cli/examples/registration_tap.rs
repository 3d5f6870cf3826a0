//! Run one registration tap (both proofs: signing password and auth PIN)
//! through a real PC/SC reader and print its APDU count, for comparing
//! clients on pcscd's APDU log (docs/card-protocol.md,
//! scripts/compare-apdus.sh).
//!
//! `SHIORI_SIGNING_PASSWORD=… SHIORI_AUTH_PIN=… cargo run -p shiori-cli --example registration_tap [-- --short]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use shiori_core::jpki::flows::registration_tap;
use shiori_core::pcsc::PcscTransport;
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};

fn main() {
    let short = std::env::args().any(|a| a == "--short");
    let password = std::env::var("SHIORI_SIGNING_PASSWORD").expect("SHIORI_SIGNING_PASSWORD");
    let password = SigningPassword::new(&password).expect("password format");
    let pin = std::env::var("SHIORI_AUTH_PIN").expect("SHIORI_AUTH_PIN");
    let pin = AuthPin::new(&pin).expect("PIN format");
    let mut transport = PcscTransport::open(None).expect("a reader with a card");
    if short {
        transport = transport.short_only();
    }
    let request = ProofRequest::new(
        ProofPurpose::Register,
        "https://library.example.jp",
        vec![7; 32],
    )
    .unwrap();
    let tap = registration_tap(&mut transport, &password, &pin, &request, LastTry::Refuse)
        .expect("registration tap");
    println!(
        "registration tap: {} APDUs, signing certificate {} bytes, auth certificate {} bytes",
        tap.apdus,
        tap.signing_certificate.der().len(),
        tap.auth_certificate.der().len()
    );
}
