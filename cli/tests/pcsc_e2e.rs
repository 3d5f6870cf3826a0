//! End to end through the real PC/SC stack: `shiori virtual-card` serves the
//! TEST card "tanaka-hanako" to pcscd through vpcd, and
//! `shiori_core::pcsc::PcscTransport` talks to it like to any desktop reader.
//!
//! Needs pcscd with the vsmartcard-vpcd driver (`.ci/run` starts one). Without
//! it the test is skipped on a developer machine and FAILS in CI.

#![allow(clippy::unwrap_used)]

mod support;

use shiori_core::pcsc::{self, PcscTransport};
use shiori_core::{Transport, TransportError};
use support::{card_path, VirtualCardProcess, SELECT_JPKI, SELECT_WRONG_AID};

#[test]
fn select_jpki_through_pcscd() {
    if !support::pcscd_with_vpcd("select_jpki_through_pcscd") {
        return;
    }
    let card = VirtualCardProcess::start(card_path("tanaka-hanako"), 35963);

    let listed = pcsc::list_readers().unwrap();
    let reader = listed.iter().find(|r| r.name == card.reader).unwrap();
    assert!(reader.card_present, "{listed:?}");

    let mut transport = PcscTransport::connect(card.reader).unwrap();
    assert_eq!(transport.reader_name(), card.reader);
    assert!(transport.capabilities().extended_length);
    assert_eq!(
        transport.atr().unwrap(),
        [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    );

    assert_eq!(transport.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    assert_eq!(transport.transmit(&SELECT_WRONG_AID).unwrap(), [0x6A, 0x82]);

    // The same inside a PC/SC transaction, as a JPKI flow runs.
    {
        let mut flow = transport.transaction().unwrap();
        assert_eq!(flow.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
        // Free auth certificate (EF 000A): an extended READ BINARY by SFI
        // reads it whole through pcscd and vpcd.
        let read = flow
            .transmit(&[0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00])
            .unwrap();
        assert!(read.len() > 1000, "{} bytes", read.len());
        assert_eq!(read[0], 0x30, "a DER certificate starts with SEQUENCE");
    }

    // Forced short-only: extended commands never reach the reader.
    let mut short = PcscTransport::connect(card.reader).unwrap().short_only();
    assert!(!short.capabilities().extended_length);
    assert!(matches!(
        short.transmit(&[0x00, 0xB0, 0x8A, 0x00, 0x00, 0x00, 0x00]),
        Err(TransportError::Unsupported(_))
    ));
    assert_eq!(short.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    let first = short.transmit(&[0x00, 0xB0, 0x8A, 0x00, 0x00]).unwrap();
    assert_eq!(first.len(), 258);
    assert_eq!(&first[256..], &[0x90, 0x00]);

    // Taking the card away is reported as a lost card, not a hang.
    let reader = card.reader;
    drop(card);
    pcsc::wait_for_removal(reader, support::DEADLINE).unwrap();
    let err = short.transmit(&SELECT_JPKI).unwrap_err();
    assert!(matches!(err, TransportError::CardLost(_)), "{err:?}");
}

#[test]
fn readers_command_lists_the_virtual_reader() {
    if !support::pcscd_with_vpcd("readers_command_lists_the_virtual_reader") {
        return;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shiori"))
        .args(["--json", "readers"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&support::READER_0), "{names:?}");
    assert!(names.contains(&support::READER_1), "{names:?}");
}
