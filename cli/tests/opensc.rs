//! An independent JPKI client reads our virtual card: OpenSC's `pkcs15-tool`
//! (its JPKI driver recognises the card by the ATR
//! `3B:E0:00:FF:81:31:FE:45:14` that the card images carry) must list the
//! certificates and PINs of the TEST card "tanaka-hanako" served through
//! pcscd and vpcd.
//!
//! Needs pcscd with vsmartcard-vpcd and OpenSC (`.ci/run` installs and starts
//! them). Without them the test is skipped on a developer machine and FAILS in
//! CI. Uses vpcd port 35964 ("Virtual PCD 00 01") so it never competes with
//! `pcsc_e2e` for a reader.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;

use support::{card_path, VirtualCardProcess};

fn pkcs15_tool(reader: &str, what: &str) -> String {
    let out = Command::new("pkcs15-tool")
        .args(["--reader", reader, what])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pkcs15-tool {what} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn opensc_installed() -> bool {
    let found = Command::new("pkcs15-tool")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        let problem = "pkcs15-tool (Debian package opensc) is not installed";
        if support::pcsc_required() {
            panic!("{problem} (CI=true: OpenSC is required)");
        }
        eprintln!("SKIPPED opensc_lists_jpki_certificates_and_pins: {problem}");
    }
    found
}

#[test]
fn opensc_lists_jpki_certificates_and_pins() {
    if !support::pcscd_with_vpcd("opensc_lists_jpki_certificates_and_pins") || !opensc_installed() {
        return;
    }
    let card = VirtualCardProcess::start(card_path("tanaka-hanako"), 35964);

    let certs = pkcs15_tool(card.reader, "--list-certificates");
    assert!(
        certs.contains("X.509 Certificate [User Authentication Certificate]"),
        "{certs}"
    );
    assert!(certs.contains("Path           : 000a"), "{certs}");
    assert!(
        certs.contains("[User Authentication Certificate CA]"),
        "{certs}"
    );
    assert!(
        certs.contains("[Digital Signature Certificate CA]"),
        "{certs}"
    );

    let pins = pkcs15_tool(card.reader, "--list-pins");
    assert!(pins.contains("PIN [User Authentication PIN]"), "{pins}");
    assert!(pins.contains("PIN [Digital Signature PIN]"), "{pins}");
    // tanaka-hanako's image starts with every try left: 3 for the auth PIN,
    // 5 for the signing password. Listing must not cost a try.
    assert!(pins.contains("Tries left     : 3"), "{pins}");
    assert!(pins.contains("Tries left     : 5"), "{pins}");
    let again = pkcs15_tool(card.reader, "--list-pins");
    assert_eq!(pins, again);
}
