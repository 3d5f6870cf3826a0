//! OCSP revocation configured in the server (`[ocsp]`), end to end: patrons
//! registered earlier log in through a server that asks `openssl ocsp`
//! (a real responder on loopback) about each auth certificate. A revoked
//! card is refused with `revoked`, a responder that is down with
//! `revocation_unavailable` — never accepted silently.
#![allow(clippy::unwrap_used)]

use shiori_client::flows::{login_with_card, register_with_card, RegistrationDetails};
use shiori_client::{Client, ClientError};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::virtual_card::VirtualCard;
use shiori_server::OcspConfig;

mod support;
use support::image;

#[path = "../../server/tests/support/ocsp_responder.rs"]
mod ocsp_responder;
use ocsp_responder::{card_certificate, Status};

fn register(origin: &str, name: &str) {
    let img = image(name);
    let pw = SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let details = RegistrationDetails {
        email: format!("{name}@example.jp"),
        ..Default::default()
    };
    let card = VirtualCard::from_image(img).unwrap();
    register_with_card(
        &mut Client::new(origin),
        card,
        &pw,
        &pin,
        &details,
        LastTry::Refuse,
    )
    .unwrap();
}

fn login(origin: &str, name: &str) -> Result<String, ClientError> {
    let img = image(name);
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let card = VirtualCard::from_image(img).unwrap();
    login_with_card(&mut Client::new(origin), card, &pin, LastTry::Refuse)
        .map(|s| s.patron.card_number)
}

fn ocsp(url: String) -> Option<OcspConfig> {
    Some(OcspConfig {
        responder_url: url,
        timeout_secs: 5,
        max_age_secs: 3600,
    })
}

#[test]
fn login_asks_the_configured_ocsp_responder() {
    let dir = support::scratch("ocsp");
    let db = support::block_on(shiori_server::testing::test_database(&dir)).unwrap();

    // Registered while the library did not check revocation.
    let unchecked = support::start_on(dir.clone(), db.clone(), |c| c.crl_dir = None);
    register(&unchecked.origin, "sato-ichiro");
    register(&unchecked.origin, "watanabe-revoked");

    let Some(responder) = ocsp_responder::start(
        "client",
        "auth-root-g2",
        "auth-root-g2",
        &[
            (&card_certificate("sato-ichiro", "000A"), Status::Good),
            (
                &card_certificate("watanabe-revoked", "000A"),
                Status::Revoked,
            ),
        ],
    ) else {
        return;
    };
    let url = format!("http://127.0.0.1:{}", responder.port);
    let checked = support::start_on(support::scratch("ocsp-on"), db.clone(), |c| {
        c.crl_dir = None;
        c.ocsp = ocsp(url);
    });
    assert!(login(&checked.origin, "sato-ichiro").is_ok());
    let e = login(&checked.origin, "watanabe-revoked").unwrap_err();
    assert_eq!(e.code(), "revoked", "{e}");
    drop(responder);

    // The responder is gone: nobody gets in, and the reason says so.
    let e = login(&checked.origin, "sato-ichiro").unwrap_err();
    assert_eq!(e.code(), "revocation_unavailable", "{e}");
    // `unchecked` owns the directory of the SQLite database; it goes last.
    drop(checked);
    drop(unchecked);
}

#[test]
fn a_revocation_configuration_that_cannot_work_does_not_start() {
    let dir = support::scratch("ocsp-config");
    let base = shiori_server::Config::test_defaults(dir.join("shiori.db"), "http://127.0.0.1:1");
    let mut both = base.clone();
    both.ocsp = ocsp("http://127.0.0.1:9".into());
    let e = support::block_on(shiori_server::build_app(both)).unwrap_err();
    assert!(e.to_string().contains("choose one"), "{e}");
    let mut https = base;
    https.crl_dir = None;
    https.ocsp = ocsp("https://ocsp.example.jp".into());
    let e = support::block_on(shiori_server::build_app(https)).unwrap_err();
    assert!(e.to_string().contains("http://"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
