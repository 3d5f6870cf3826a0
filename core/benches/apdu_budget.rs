//! APDUs and bytes per card flow, on the virtual card (`cargo bench -p
//! shiori-core --features virtual-card --bench apdu_budget`). Prints a table,
//! for a card that follows ISO 7816-4 and for cards that do not take reads by
//! short EF identifier (virtual card [`SfiReads`] quirks);
//! docs/card-protocol.md records the figures.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use shiori_core::apdu::StatusWord;
use shiori_core::jpki::flows::{login_tap, read_status, registration_tap};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use shiori_core::virtual_card::{CardImage, SfiReads, VirtualCard, VirtualCardOptions};
use shiori_core::{LinkCapabilities, Transport, TransportError};

struct Meter<T> {
    inner: T,
    apdus: usize,
    sent: usize,
    received: usize,
}

impl<T: Transport> Transport for Meter<T> {
    fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(c)?;
        self.apdus += 1;
        self.sent += c.len();
        self.received += r.len();
        Ok(r)
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.inner.capabilities()
    }
}

fn main() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors/cards/tanaka-hanako.json");
    let image: CardImage = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pw = SigningPassword::new(image.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&image.auth_pin).unwrap();
    let reg = ProofRequest::new(
        ProofPurpose::Register,
        "https://library.example.jp",
        vec![1; 32],
    )
    .unwrap();
    let login = ProofRequest::new(
        ProofPurpose::Login,
        "https://library.example.jp",
        vec![2; 32],
    )
    .unwrap();
    let cards = [
        ("ISO 7816-4 SFI reads", SfiReads::MakeCurrent),
        ("SFI reads leave current EF", SfiReads::LeaveCurrent),
        (
            "SFI reads refused (6A86)",
            SfiReads::Refused(StatusWord::IncorrectP1P2),
        ),
    ];
    for (card, sfi_reads) in cards {
        println!("\n{card}");
        table(&image, sfi_reads, &pw, &pin, &reg, &login);
    }
}

fn table(
    image: &CardImage,
    sfi_reads: SfiReads,
    pw: &SigningPassword,
    pin: &AuthPin,
    reg: &ProofRequest,
    login: &ProofRequest,
) {
    println!(
        "{:<32} {:>6} {:>10} {:>10}",
        "flow (card tanaka-hanako)", "APDUs", "bytes out", "bytes in"
    );
    for (label, extended) in [("extended length", true), ("short APDUs only", false)] {
        let opts = VirtualCardOptions {
            extended_length: extended,
            chained_responses: false,
        };
        let new = || Meter {
            inner: VirtualCard::from_image(image.clone())
                .unwrap()
                .with_options(opts)
                .with_sfi_reads(sfi_reads),
            apdus: 0,
            sent: 0,
            received: 0,
        };
        let mut m = new();
        read_status(&mut m).unwrap();
        println!(
            "{:<32} {:>6} {:>10} {:>10}",
            format!("status, {label}"),
            m.apdus,
            m.sent,
            m.received
        );
        let mut m = new();
        let tap = registration_tap(&mut m, pw, pin, reg, LastTry::Refuse).unwrap();
        println!(
            "{:<32} {:>6} {:>10} {:>10}",
            format!("registration, {label}"),
            m.apdus,
            m.sent,
            m.received
        );
        if extended && sfi_reads == SfiReads::MakeCurrent {
            println!(
                "  (signing certificate {} bytes, auth certificate {} bytes)",
                tap.signing_certificate.der().len(),
                tap.auth_certificate.der().len()
            );
        }
        let mut m = new();
        login_tap(&mut m, pin, login, LastTry::Refuse).unwrap();
        println!(
            "{:<32} {:>6} {:>10} {:>10}",
            format!("login, {label}"),
            m.apdus,
            m.sent,
            m.received
        );
    }
}
