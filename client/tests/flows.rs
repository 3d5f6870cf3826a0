//! The client against a real embedded server on loopback: registration with a
//! virtual card, login on a "new device", the library card, logout, deletion,
//! and how server errors surface.
#![allow(clippy::unwrap_used)]

use shiori_client::flows::{login_with_card, register_with_card, RegistrationDetails};
use shiori_client::{Client, ClientError};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::ProofPurpose;
use shiori_core::virtual_card::VirtualCard;

mod support;
use support::{image, start};

fn details() -> RegistrationDetails {
    RegistrationDetails {
        email: "hanako@example.jp".into(),
        ..Default::default()
    }
}

fn register(
    origin: &str,
    name: &str,
) -> Result<(Client, shiori_core::api::SessionResponse), ClientError> {
    let img = image(name);
    let pw = SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let mut client = Client::new(origin);
    let card = VirtualCard::from_image(img).unwrap();
    let done = register_with_card(&mut client, card, &pw, &pin, &details(), LastTry::Refuse)?;
    Ok((client, done.response))
}

#[test]
fn register_login_card_logout_delete() {
    let server = start("main");
    let (client, reg) = register(&server.origin, "tanaka-hanako").unwrap();
    assert!(reg.created);
    assert_eq!(reg.patron.name, "田中\u{3000}花子");
    // The record in the registration answer is exactly what is stored.
    assert_eq!(client.me().unwrap(), reg.patron);
    let card = client.card().unwrap();
    assert_eq!(card.card_number, reg.patron.card_number);
    let png = client.card_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    if let Some(decoded) = zbar_codabar(&server.dir.join("card.png"), &png) {
        assert_eq!(
            decoded, card.barcode_payload,
            "the served barcode must scan as the card"
        );
        assert!(decoded.contains(&card.card_number));
    }
    assert!(client.card_svg().unwrap().contains("<svg"));

    // A new device: login with the auth PIN finds the same patron.
    let img = image("tanaka-hanako");
    let mut other = Client::new(&server.origin);
    let login = login_with_card(
        &mut other,
        VirtualCard::from_image(img).unwrap(),
        &AuthPin::new(&image("tanaka-hanako").auth_pin).unwrap(),
        LastTry::Refuse,
    )
    .unwrap();
    assert_eq!(login.patron.id, reg.patron.id);

    // Re-registration with the same card keeps the card number.
    let (_, again) = register(&server.origin, "tanaka-hanako").unwrap();
    assert!(!again.created);
    assert_eq!(again.patron.card_number, reg.patron.card_number);

    // Logout ends that token only.
    other.logout().unwrap();
    assert!(!other.is_logged_in());
    // The record in the registration answer is exactly what is stored.
    assert_eq!(client.me().unwrap(), reg.patron);

    let mut client = client;
    client.delete_account().unwrap();
    let mut stale = Client::new(&server.origin);
    stale.set_token(&login.session.token);
    match stale.me() {
        Err(ClientError::Api { status: 401, error }) => assert_eq!(error.code, "unauthorized"),
        other => panic!("{other:?}"),
    }
    drop(server);
}

/// Decode a PNG with the real `zbarimg` (Codabar only). `None` when zbarimg is
/// missing outside CI; with `CI=true` a missing zbarimg fails the test.
fn zbar_codabar(path: &std::path::Path, png: &[u8]) -> Option<String> {
    std::fs::write(path, png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Scodabar.enable"])
        .arg(path)
        .output();
    match out {
        Ok(o) => {
            assert!(
                o.status.success(),
                "zbarimg found no barcode: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8(o.stdout).unwrap().trim().to_string())
        }
        Err(e) => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "zbarimg is required on CI: {e}"
            );
            eprintln!("skipping the barcode decode: zbarimg not available ({e})");
            None
        }
    }
}

#[test]
fn server_rejections_surface_with_their_codes() {
    let server = start("errors");
    for (card, code) in [
        ("rogue-card", "unknown_issuer"),
        ("ito-expired", "expired"),
        ("watanabe-revoked", "revoked"),
    ] {
        match register(&server.origin, card) {
            Err(ClientError::Api { error, .. }) => assert_eq!(error.code, code, "{card}"),
            other => panic!("{card}: {:?}", other.map(|r| r.1)),
        }
    }
    // A card-side failure is a card error, and nothing reached the server.
    let img = image("tanaka-hanako");
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let mut client = Client::new(&server.origin);
    let e = register_with_card(
        &mut client,
        VirtualCard::from_image(img).unwrap(),
        &SigningPassword::new("WRONG999").unwrap(),
        &pin,
        &details(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), "wrong_pin");
    assert!(!client.is_logged_in());
    // Not logged in: no request is even sent.
    assert!(matches!(client.me(), Err(ClientError::NotLoggedIn)));
    // A challenge for login cannot be used to register.
    let c = client.challenge(ProofPurpose::Login).unwrap();
    assert_eq!(c.purpose, ProofPurpose::Login);
    drop(server);
}

#[test]
fn unreachable_server_is_a_clear_error() {
    let client = Client::new("http://127.0.0.1:9");
    match client.challenge(ProofPurpose::Register) {
        Err(e @ ClientError::Http(_)) => assert_eq!(e.code(), "server_unreachable"),
        other => panic!("{other:?}"),
    }
}
