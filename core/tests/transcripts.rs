//! APDU transcripts of the main flows (`test-vectors/transcripts/*.json`).
//!
//! Each flow is recorded against the virtual card and must equal the committed
//! transcript byte for byte (so any change in what goes over the wire shows up
//! in review), then replayed through [`Replay`] with no card at all. Set
//! `SHIORI_WRITE_TRANSCRIPTS=1` to rewrite the files after an intended change.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use shiori_core::apdu::StatusWord;
use shiori_core::jpki::flows::{login_tap, read_status, registration_tap};
use shiori_core::jpki::JpkiError;
use shiori_core::pin::{AuthPin, LastTry, PinKind, SigningPassword};
use shiori_core::transcript::{Recorder, Replay, Transcript};
use shiori_core::virtual_card::{SfiReads, VirtualCardOptions};
use shiori_core::Transport;

/// The outcome of a flow, reduced to what must match between recording and replay.
fn run(flow: &str, t: &mut dyn Transport) -> String {
    let pw = |s: &str| SigningPassword::new(s).unwrap();
    let img = image("tanaka-hanako");
    let good_pw = pw(img.signing_password.as_deref().unwrap());
    let good_pin = AuthPin::new(&img.auth_pin).unwrap();
    let result: Result<String, JpkiError> = match flow {
        "status" | "status-sfi-refused" => read_status(t).map(|s| format!("{s:?}")),
        "registration-extended"
        | "registration-short"
        | "registration-short-sfi-leaves-current-ef"
        | "registration-short-sfi-refused"
        | "registration-extended-sfi-refused" => {
            registration_tap(t, &good_pw, &good_pin, &register_request(), LastTry::Refuse)
                .map(|r| hex::encode(&r.signature) + &hex::encode(&r.auth_signature))
        }
        "login-extended" | "login-short-sfi-refused" => {
            login_tap(t, &good_pin, &login_request(), LastTry::Refuse)
                .map(|r| hex::encode(&r.signature))
        }
        "registration-wrong-password" => registration_tap(
            t,
            &pw("WRONG999"),
            &good_pin,
            &register_request(),
            LastTry::Refuse,
        )
        .map(|_| String::new()),
        "registration-wrong-auth-pin" => registration_tap(
            t,
            &good_pw,
            &AuthPin::new("0000").unwrap(),
            &register_request(),
            LastTry::Refuse,
        )
        .map(|_| String::new()),
        "registration-no-signing-certificate" => {
            registration_tap(t, &good_pw, &good_pin, &register_request(), LastTry::Refuse)
                .map(|_| String::new())
        }
        other => panic!("unknown flow {other}"),
    };
    format!("{result:?}")
}

fn flows() -> Vec<(&'static str, &'static str, VirtualCardOptions, SfiReads)> {
    // Cards that do not take reads by SFI as ISO 7816-4 §7.2.2 says
    // (docs/card-protocol.md, "When a card does not take SFI reads").
    let leaves = SfiReads::LeaveCurrent;
    let refuses = SfiReads::Refused(StatusWord::IncorrectP1P2);
    let iso = SfiReads::MakeCurrent;
    vec![
        ("status", "tanaka-hanako", EXT, iso),
        ("registration-extended", "tanaka-hanako", EXT, iso),
        ("registration-short", "tanaka-hanako", SHORT, iso),
        ("login-extended", "tanaka-hanako", EXT, iso),
        ("registration-wrong-password", "tanaka-hanako", EXT, iso),
        ("registration-wrong-auth-pin", "tanaka-hanako", EXT, iso),
        (
            "registration-no-signing-certificate",
            "kobayashi-child",
            EXT,
            iso,
        ),
        (
            "registration-short-sfi-leaves-current-ef",
            "tanaka-hanako",
            SHORT,
            leaves,
        ),
        (
            "registration-short-sfi-refused",
            "tanaka-hanako",
            SHORT,
            refuses,
        ),
        (
            "registration-extended-sfi-refused",
            "tanaka-hanako",
            EXT,
            refuses,
        ),
        ("login-short-sfi-refused", "tanaka-hanako", SHORT, refuses),
        ("status-sfi-refused", "tanaka-hanako", EXT, refuses),
    ]
}

#[test]
fn transcripts_match_and_replay() {
    let write = std::env::var_os("SHIORI_WRITE_TRANSCRIPTS").is_some();
    for (flow, name, opts, sfi_reads) in flows() {
        let mut rec = Recorder::new(card(name, opts).with_sfi_reads(sfi_reads));
        let recorded_outcome = run(flow, &mut rec);
        let (transcript, _) = rec.finish(format!("{flow} with the virtual card {name}"));
        let path = vector(&format!("transcripts/{flow}.json"));
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&transcript).unwrap() + "\n",
            )
            .unwrap();
        }
        let committed: Transcript = serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")),
        )
        .unwrap();
        assert_eq!(
            committed, transcript,
            "{flow}: the card conversation changed; review and rewrite"
        );
        assert!(
            !serde_json::to_string(&committed)
                .unwrap()
                .contains(&hex::encode_upper(image(name).auth_pin)),
            "{flow}: transcripts must not carry PINs"
        );

        let mut replay = Replay::new(committed);
        let replayed_outcome = run(flow, &mut replay);
        assert_eq!(replayed_outcome, recorded_outcome, "{flow}");
        assert!(
            replay.is_finished(),
            "{flow}: the client sent fewer commands than recorded"
        );
    }
}

#[test]
fn replay_rejects_a_changed_conversation() {
    let path = vector("transcripts/registration-extended.json");
    let mut t: Transcript = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The card's answer to the tries query now says one try is left.
    t.exchanges[1].response = "63C1".into();
    let mut replay = Replay::new(t);
    let img = image("tanaka-hanako");
    let e = registration_tap(
        &mut replay,
        &SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap(),
        &AuthPin::new(&img.auth_pin).unwrap(),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Signing));
}

#[test]
fn replay_with_the_auth_pin_at_its_last_try_sends_no_password() {
    let path = vector("transcripts/registration-extended.json");
    let mut t: Transcript = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The card's answer to the auth PIN's tries query (the third command,
    // before any secret) now says one try is left. The replay would fail if
    // the client sent the password VERIFY that follows in the recording.
    assert_eq!(t.exchanges[2].command, "00200098");
    t.exchanges[2].response = "63C1".into();
    let mut replay = Replay::new(t);
    let img = image("tanaka-hanako");
    let e = registration_tap(
        &mut replay,
        &SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap(),
        &AuthPin::new(&img.auth_pin).unwrap(),
        &register_request(),
        LastTry::Refuse,
    )
    .unwrap_err();
    assert_eq!(e, JpkiError::LastTryRefused(PinKind::Auth));
}
