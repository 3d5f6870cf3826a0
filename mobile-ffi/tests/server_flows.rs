//! The apps' whole path through the facade against a real server on
//! loopback (TEST setup, demo catalogue): registration in three steps (one
//! tap with both secrets), login on a new device, the session kept outside
//! and restored, search, holds and loans, and the error paths a phone meets
//! (wrong PIN, lost tag mid-read, last try of either secret, a malformed
//! PIN, no signing certificate, a reused challenge, a logged-out call, a
//! card registered before registrations proved both keys).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use shiori_ffi::{
    library_card_barcode_png, login_tap, registration_tap, CardError, Gender, LibraryServer,
    PinKind, RegistrationDetails, ServerError,
};
use shiori_server::testing::LoopbackServer;

mod support;
use support::{image, VirtualLink};

struct Env {
    server: LoopbackServer,
    dir: std::path::PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(tag: &str) -> Env {
    let dir = std::env::temp_dir().join(format!("shiori-ffi-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let server = LoopbackServer::start_test(&dir, |_| {}).unwrap();
    server
        .block_on(shiori_server::import::import_csv(
            &server.state,
            shiori_server::import::DEMO_CATALOGUE,
        ))
        .unwrap();
    Env { server, dir }
}

fn details() -> RegistrationDetails {
    RegistrationDetails {
        email: "hanako@example.jp".into(),
        name_kana: Some("タナカ ハナコ".into()),
        phone: None,
        home_branch: Some("central".into()),
    }
}

fn register(env: &Env, card: &str) -> (Arc<LibraryServer>, shiori_ffi::SignedIn) {
    let img = image(card);
    let password = img.signing_password.clone().unwrap();
    let pin = img.auth_pin.clone();
    let server = LibraryServer::new(env.server.origin.clone());
    let challenge = server.registration_challenge().unwrap();
    let proof =
        registration_tap(VirtualLink::new(img, true), challenge, password, pin, false).unwrap();
    let signed_in = server.register(proof, details()).unwrap();
    (server, signed_in)
}

#[test]
fn register_show_card_and_log_in_on_a_new_device() {
    let env = start("register");
    let img = image("tanaka-hanako");
    let server = LibraryServer::new(env.server.origin.clone());
    assert!(!server.is_logged_in());

    // Step 1 and 2: challenge, then the tap shows the card's facts before
    // anything is sent.
    let challenge = server.registration_challenge().unwrap();
    assert_eq!(challenge.origin(), env.server.origin);
    let link = VirtualLink::new(img.clone(), true);
    let proof = registration_tap(
        link.clone(),
        challenge,
        img.signing_password.clone().unwrap().to_lowercase(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap();
    let facts = proof.facts();
    assert_eq!(facts.name, "田中\u{3000}花子");
    assert_eq!(facts.gender, Gender::Female);
    assert_eq!(facts.birth_date, "1990-01-02");
    // One tap, both secrets: the password, then the PIN, each VERIFYed once.
    assert_eq!(link.pins_sent(), 2);
    assert_eq!(
        link.secrets_sent(),
        vec![
            img.signing_password.clone().unwrap().into_bytes(),
            img.auth_pin.clone().into_bytes()
        ]
    );
    assert_eq!(proof.apdus() as usize, link.commands());

    // Step 3: the server derives the same facts from the verified certificate.
    let signed_in = server.register(proof.clone(), details()).unwrap();
    assert!(signed_in.created);
    assert_eq!(signed_in.patron.name, facts.name);
    assert_eq!(signed_in.patron.address, facts.address);
    assert_eq!(signed_in.patron.birth_date, facts.birth_date);
    assert_eq!(signed_in.patron.email, "hanako@example.jp");
    assert_eq!(signed_in.patron.home_branch.as_deref(), Some("central"));
    assert!(server.is_logged_in());
    assert_eq!(server.me().unwrap(), signed_in.patron);

    // The same proof again: the challenge was single-use.
    let again = server.register(proof, details()).unwrap_err();
    assert_eq!(again.code(), "challenge_reused", "{again:?}");

    // The library card renders offline from the server's payload.
    let card = server.card().unwrap();
    assert_eq!(card.card_number, signed_in.patron.card_number);
    assert!(card.barcode_payload.contains(&card.card_number));
    let png = library_card_barcode_png(card.barcode_payload.clone(), 3).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));

    // The token is kept by the app (Keystore/Keychain) and restored later.
    let token = server.session_token().unwrap();
    let restarted = LibraryServer::new(env.server.origin.clone());
    restarted.restore_session(token);
    assert_eq!(restarted.me().unwrap().id, signed_in.patron.id);

    // A new device logs in with the 4-digit PIN and finds the same patron.
    let phone = LibraryServer::new(env.server.origin.clone());
    let challenge = phone.login_challenge().unwrap();
    let link = VirtualLink::new(img.clone(), false);
    let login = login_tap(link.clone(), challenge, img.auth_pin.clone(), false).unwrap();
    assert_eq!(login.apdus() as usize, link.commands());
    let signed_in_again = phone.login(login).unwrap();
    assert!(!signed_in_again.created);
    assert_eq!(signed_in_again.patron.id, signed_in.patron.id);
    assert_ne!(phone.session_token(), server.session_token());

    // Logging out ends that session only.
    phone.logout().unwrap();
    assert!(!phone.is_logged_in());
    assert!(matches!(
        phone.me().unwrap_err(),
        ServerError::NotLoggedIn { .. }
    ));
    assert_eq!(server.me().unwrap().id, signed_in.patron.id);
}

#[test]
fn search_hold_and_cancel() {
    let env = start("holds");
    let (server, _) = register(&env, "tanaka-hanako");
    let branches = server.branches().unwrap();
    assert!(branches.iter().any(|b| b.code == "central"));

    let found = server
        .search("吾輩は猫".into(), None, false, 1, 20)
        .unwrap();
    assert!(found.total >= 1);
    let title = found
        .titles
        .iter()
        .find(|t| t.title == "吾輩は猫である")
        .expect("the demo catalogue has 吾輩は猫である");
    let details = server.title(title.id).unwrap();
    assert_eq!(details.summary.id, title.id);
    assert_eq!(details.items.len() as u32, details.summary.copies);

    let hold = server.place_hold(title.id, "central".into()).unwrap();
    assert_eq!(hold.title_id, title.id);
    assert_eq!(hold.position, Some(1));
    let holds = server.holds().unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].id, hold.id);

    // One active hold per title per patron.
    let twice = server.place_hold(title.id, "central".into()).unwrap_err();
    assert!(
        matches!(&twice, ServerError::Refused { status: 409, reason_ja: Some(ja), .. } if ja.contains("予約")),
        "{twice:?}"
    );

    // Suspend for a month (the server takes dates after today, within a year).
    let until = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    let until = format!(
        "{:04}-{:02}-{:02}",
        until.year(),
        u8::from(until.month()),
        until.day()
    );
    let suspended = server.suspend_hold(hold.id.clone(), until.clone()).unwrap();
    assert_eq!(suspended.suspended_until, Some(until));
    let resumed = server.resume_hold(hold.id.clone()).unwrap();
    assert_eq!(resumed.suspended_until, None);
    let cancelled = server.cancel_hold(hold.id.clone()).unwrap();
    assert_eq!(cancelled.state, shiori_core::api::HoldState::Cancelled);
    assert!(server.loans().unwrap().is_empty());

    // The reading history is off until the patron turns it on; off again
    // deletes it.
    let history = server.reading_history().unwrap();
    assert!(!history.enabled && history.entries.is_empty());
    assert!(server.set_reading_history(true).unwrap().enabled);
    assert!(server.reading_history().unwrap().enabled);
    assert!(!server.set_reading_history(false).unwrap().enabled);

    // The account goes, and the token with it.
    server.delete_account().unwrap();
    assert!(!server.is_logged_in());
}

#[test]
fn card_errors_on_the_way_to_a_session() {
    let env = start("errors");
    let (_, registered) = register(&env, "tanaka-hanako");
    let img = image("tanaka-hanako");
    let phone = LibraryServer::new(env.server.origin.clone());

    // Wrong PIN: tries left, nothing retried.
    let link = VirtualLink::new(img.clone(), true);
    let e = login_tap(
        link.clone(),
        phone.login_challenge().unwrap(),
        "9999".into(),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            CardError::WrongPin {
                pin: PinKind::AuthPin,
                tries_left: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains("9999"));
    assert_eq!(link.pins_sent(), 1);

    // The tag leaves the field in the middle of reading the certificate.
    let link = VirtualLink::new(img.clone(), false);
    link.lose_after(6);
    let e = login_tap(
        link.clone(),
        phone.login_challenge().unwrap(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap_err();
    assert!(matches!(e, CardError::CardLost { .. }), "{e:?}");
    assert_eq!(link.commands(), 6);

    // A registration challenge cannot be signed for a login.
    let e = login_tap(
        VirtualLink::new(img.clone(), true),
        phone.registration_challenge().unwrap(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), "protocol_error", "{e:?}");

    // One try left: refused unless the resident confirmed, and nothing sent.
    let mut one_left = img.clone();
    one_left.auth_tries_left = 1;
    let link = VirtualLink::new(one_left.clone(), true);
    let e = login_tap(
        link.clone(),
        phone.login_challenge().unwrap(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            CardError::LastTryRefused {
                pin: PinKind::AuthPin,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(link.pins_sent(), 0);
    let proof = login_tap(
        VirtualLink::new(one_left, true),
        phone.login_challenge().unwrap(),
        img.auth_pin.clone(),
        true,
    )
    .unwrap();
    assert_eq!(phone.login(proof).unwrap().patron.id, registered.patron.id);

    // A child's card has no signing certificate: said before any password
    // is sent.
    let child = image("kobayashi-child");
    let link = VirtualLink::new(child, true);
    let e = registration_tap(
        link.clone(),
        phone.registration_challenge().unwrap(),
        "ABC123".into(),
        "1234".into(),
        false,
    )
    .unwrap_err();
    assert!(matches!(e, CardError::NoSigningCertificate { .. }), "{e:?}");
    assert_eq!(link.pins_sent(), 0);

    // Nothing listens: the app can say the server is unreachable.
    let nowhere = LibraryServer::new("http://127.0.0.1:9".into());
    let e = nowhere.registration_challenge().unwrap_err();
    assert!(matches!(e, ServerError::Unreachable { .. }), "{e:?}");
}

#[test]
fn a_malformed_auth_pin_is_refused_before_anything_is_sent() {
    let env = start("pin-format");
    let img = image("tanaka-hanako");
    let server = LibraryServer::new(env.server.origin.clone());
    for (pin, code) in [("12a4", "auth_pin_format"), ("123", "auth_pin_format")] {
        let link = VirtualLink::new(img.clone(), true);
        let e = registration_tap(
            link.clone(),
            server.registration_challenge().unwrap(),
            img.signing_password.clone().unwrap(),
            pin.into(),
            false,
        )
        .unwrap_err();
        assert!(
            matches!(&e, CardError::PinFormat { pin: PinKind::AuthPin, code: c, .. } if c == code),
            "{pin}: {e:?}"
        );
        assert!(!e.to_string().contains(pin), "{e}");
        // Not even the SELECT: the right password was not spent either.
        assert_eq!(link.commands(), 0, "{pin}");
    }
}

#[test]
fn registration_guards_the_last_try_of_each_secret() {
    let env = start("last-try");
    let img = image("tanaka-hanako");
    let server = LibraryServer::new(env.server.origin.clone());
    let password = img.signing_password.clone().unwrap();

    // The PIN has one try left: refused before either secret is sent.
    let mut pin_one_left = img.clone();
    pin_one_left.auth_tries_left = 1;
    let link = VirtualLink::new(pin_one_left.clone(), true);
    let e = registration_tap(
        link.clone(),
        server.registration_challenge().unwrap(),
        password.clone(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            CardError::LastTryRefused {
                pin: PinKind::AuthPin,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(link.pins_sent(), 0, "no password spent on a tap that stops");

    // The resident confirmed: both go through.
    let link = VirtualLink::new(pin_one_left, true);
    let proof = registration_tap(
        link.clone(),
        server.registration_challenge().unwrap(),
        password.clone(),
        img.auth_pin.clone(),
        true,
    )
    .unwrap();
    assert_eq!(link.pins_sent(), 2);
    assert!(server.register(proof, details()).unwrap().created);

    // A wrong PIN after the right password: the PIN's count comes back,
    // the password was accepted (its counter is full again on the card).
    let link = VirtualLink::new(img.clone(), true);
    let e = registration_tap(
        link.clone(),
        server.registration_challenge().unwrap(),
        password,
        "9999".into(),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            CardError::WrongPin {
                pin: PinKind::AuthPin,
                tries_left: 2,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(link.pins_sent(), 2);
}

#[test]
fn a_card_registered_before_both_keys_were_proven_must_register_again() {
    let env = start("unproven");
    let (_, registered) = register(&env, "tanaka-hanako");
    // A link written before registrations proved both keys (migration 0007
    // leaves those rows without a proof time).
    env.server
        .block_on(
            sqlx::query("UPDATE patron_certificates SET auth_proven_at = NULL")
                .execute(env.server.state.db().pool()),
        )
        .unwrap();
    let img = image("tanaka-hanako");
    let phone = LibraryServer::new(env.server.origin.clone());
    let login = login_tap(
        VirtualLink::new(img.clone(), true),
        phone.login_challenge().unwrap(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap();
    let e = phone.login(login).unwrap_err();
    assert!(
        matches!(&e, ServerError::RegisterAgain { reason_ja: Some(ja), .. } if ja.contains("登録")),
        "{e:?}"
    );
    assert_eq!(e.code(), "auth_link_unproven");
    assert!(!phone.is_logged_in());

    // What the app then does: registration, one tap with both secrets. The
    // same patron comes back, and logins work again.
    let (_, again) = register(&env, "tanaka-hanako");
    assert!(!again.created);
    assert_eq!(again.patron.id, registered.patron.id);
    assert_eq!(again.patron.card_number, registered.patron.card_number);
    let login = login_tap(
        VirtualLink::new(img.clone(), true),
        phone.login_challenge().unwrap(),
        img.auth_pin.clone(),
        false,
    )
    .unwrap();
    assert_eq!(phone.login(login).unwrap().patron.id, registered.patron.id);
}
