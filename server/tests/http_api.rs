//! The HTTP API end to end, in process (`tower::ServiceExt::oneshot`) on a
//! real SQLite file in a temporary directory, with genuine proofs made by
//! the virtual cards of `test-vectors/cards` and time pinned at
//! 2026-01-01T00:00:00Z.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use shiori_core::api::{Challenge, LibraryCard, Patron, SessionResponse};
use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::flows::{login_tap, registration_tap};
use shiori_core::jpki::sign::KeyKind;
use shiori_core::jpki::{fid, JpkiCard};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use shiori_core::virtual_card::{CardImage, VirtualCard};
use shiori_server::{build_app_with_clock, AppState, Config, ManualClock};
use tower::ServiceExt;

/// 2026-01-01T00:00:00Z: inside every valid test certificate.
const NOW: i64 = 1_767_225_600;
const ORIGIN: &str = "http://127.0.0.1:8080";
/// `/metrics` is served on the public router only to this bearer token.
const METRICS_TOKEN: &str = "test-metrics-token-0123";

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

fn image(name: &str) -> CardImage {
    let text = std::fs::read_to_string(vectors().join(format!("cards/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(vectors().join(format!("expected/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn last_try(name: &str) -> LastTry {
    // suzuki-minoru has one try left by design.
    if name == "suzuki-minoru" {
        LastTry::Allow
    } else {
        LastTry::Refuse
    }
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

struct Harness {
    app: Router,
    state: AppState,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

async fn harness_with(adjust: impl FnOnce(&mut Config)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = shiori_server::testing::test_database(dir.path())
        .await
        .unwrap();
    let mut config = Config::test_defaults(db, ORIGIN);
    config.metrics_token = Some(shiori_server::MetricsToken::new(METRICS_TOKEN));
    adjust(&mut config);
    let clock = Arc::new(ManualClock::new(NOW));
    let (app, state) = build_app_with_clock(config, clock.clone()).await.unwrap();
    Harness {
        app,
        state,
        clock,
        _dir: dir,
    }
}

impl Harness {
    async fn raw(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            content_type,
            body,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&v).unwrap())),
            None => req.body(Body::empty()),
        };
        self.raw(req.unwrap()).await
    }

    async fn challenge(&self, purpose: &str) -> Challenge {
        let a = self
            .call(
                Method::POST,
                "/api/v1/challenges",
                Some(json!({"purpose": purpose})),
                None,
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&a.body)
        );
        serde_json::from_slice(&a.body).unwrap()
    }

    async fn post_registration(&self, body: Value) -> Answer {
        self.call(Method::POST, "/api/v1/registrations", Some(body), None)
            .await
    }

    /// A fresh register challenge answered by `card`, posted.
    async fn register(&self, card: &str) -> Answer {
        let c = self.challenge("register").await;
        self.post_registration(registration_body(card, &c, ORIGIN, "hanako@example.jp"))
            .await
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.state.db().pool())
            .await
            .unwrap()
    }
}

/// What a phone sends after the resident taps `card` for challenge `c`,
/// with the proof naming `origin`.
fn registration_body(card: &str, c: &Challenge, origin: &str, email: &str) -> Value {
    let img = image(card);
    let password = SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let nonce = STANDARD.decode(&c.nonce).unwrap();
    let request = ProofRequest::new(ProofPurpose::Register, origin, nonce).unwrap();
    let mut vc = VirtualCard::from_image(img).unwrap();
    let tap = registration_tap(&mut vc, &password, &pin, &request, last_try(card)).unwrap();
    json!({
        "challenge_id": c.id,
        "signing_certificate": b64(tap.signing_certificate.der()),
        "auth_certificate": b64(tap.auth_certificate.der()),
        "message": b64(&tap.message),
        "signature": b64(&tap.signature),
        "auth_signature": b64(&tap.auth_signature),
        "email": email,
        "name_kana": "タナカ　ハナコ",
    })
}

fn login_body(card: &str, c: &Challenge) -> Value {
    let img = image(card);
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let nonce = STANDARD.decode(&c.nonce).unwrap();
    let request = ProofRequest::new(ProofPurpose::Login, ORIGIN, nonce).unwrap();
    let mut vc = VirtualCard::from_image(img).unwrap();
    let tap = login_tap(&mut vc, &pin, &request, last_try(card)).unwrap();
    json!({
        "challenge_id": c.id,
        "auth_certificate": b64(tap.auth_certificate.der()),
        "message": b64(&tap.message),
        "signature": b64(&tap.signature),
    })
}

fn session(a: &Answer) -> SessionResponse {
    serde_json::from_slice(&a.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&a.body)))
}

#[tokio::test]
async fn register_end_to_end_derives_facts_from_the_certificate() {
    let h = harness().await;
    let a = h.register("tanaka-hanako").await;
    assert_eq!(a.status, StatusCode::CREATED);
    let s = session(&a);
    assert!(s.created);
    let want = expected("tanaka-hanako");
    assert_eq!(s.patron.name, want["name"].as_str().unwrap());
    assert_eq!(s.patron.address, want["address"].as_str().unwrap());
    assert_eq!(s.patron.birth_date, want["birth_date"].as_str().unwrap());
    assert_eq!(s.patron.gender.english_label(), "female");
    assert_eq!(s.patron.email, "hanako@example.jp");
    assert_eq!(s.patron.name_kana.as_deref(), Some("タナカ　ハナコ"));
    assert_eq!(s.patron.registered_at, "2026-01-01T00:00:00Z");
    assert_eq!(s.session.expires_at, "2026-01-31T00:00:00Z");
    let number = h
        .state
        .card_number_scheme()
        .parse(&s.patron.card_number)
        .unwrap();
    assert_eq!(number.digits(), s.patron.card_number);

    // The token works; the stored hash is not the token.
    let me = h
        .call(Method::GET, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let p: Patron = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(p, s.patron);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(h.state.db().pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert_ne!(stored, s.session.token.as_bytes());

    // The library card and its pictures.
    let card = h
        .call(Method::GET, "/api/v1/me/card", None, Some(&s.session.token))
        .await;
    let card: LibraryCard = serde_json::from_slice(&card.body).unwrap();
    assert_eq!(card.card_number, s.patron.card_number);
    assert_eq!(card.barcode_payload, number.barcode_payload());
    assert_eq!(card.name, s.patron.name);
    for (path, ct) in [
        ("/api/v1/me/card.png", "image/png"),
        ("/api/v1/me/card-qr.png", "image/png"),
        ("/api/v1/me/card.svg", "image/svg+xml"),
        ("/api/v1/me/card-qr.svg", "image/svg+xml"),
    ] {
        let img = h
            .call(Method::GET, path, None, Some(&s.session.token))
            .await;
        assert_eq!(img.status, StatusCode::OK, "{path}");
        assert_eq!(img.content_type, ct, "{path}");
        if ct == "image/png" {
            assert!(img.body.starts_with(b"\x89PNG\r\n\x1a\n"), "{path}");
        } else {
            assert!(
                String::from_utf8_lossy(&img.body).contains("<svg"),
                "{path}"
            );
        }
    }

    // The export holds fingerprints and serials, never certificate DER.
    let export = h
        .call(
            Method::GET,
            "/api/v1/me/export",
            None,
            Some(&s.session.token),
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let export = export.json();
    let certs = export["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        certs[0]["signing_certificate_serial"],
        want["signing_serial_hex"]
    );
    assert_eq!(certs[0]["auth_certificate_serial"], want["auth_serial_hex"]);
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_valid_card_registers_with_its_own_facts() {
    let h = harness().await;
    let mut numbers = std::collections::HashSet::new();
    for (card, gender) in [
        ("sato-ichiro", "male"),
        ("takahashi-kazuko", "unknown"),
        ("suzuki-minoru", "male"),
    ] {
        let a = h.register(card).await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "{card}: {}",
            String::from_utf8_lossy(&a.body)
        );
        let s = session(&a);
        let want = expected(card);
        assert_eq!(s.patron.name, want["name"].as_str().unwrap(), "{card}");
        assert_eq!(
            s.patron.address,
            want["address"].as_str().unwrap(),
            "{card}"
        );
        assert_eq!(
            s.patron.birth_date,
            want["birth_date"].as_str().unwrap(),
            "{card}"
        );
        assert_eq!(s.patron.gender.english_label(), gender, "{card}");
        assert!(numbers.insert(s.patron.card_number));
    }
}

#[tokio::test]
async fn login_on_a_new_device_finds_the_same_patron() {
    let h = harness().await;
    let registered = session(&h.register("tanaka-hanako").await);
    let c = h.challenge("login").await;
    let a = h
        .call(
            Method::POST,
            "/api/v1/sessions",
            Some(login_body("tanaka-hanako", &c)),
            None,
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let s = session(&a);
    assert_eq!(s.patron, registered.patron);
    assert_ne!(s.session.token, registered.session.token);
    let me = h
        .call(Method::GET, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(me.status, StatusCode::OK);

    // Logging out ends that session only.
    let out = h
        .call(
            Method::DELETE,
            "/api/v1/sessions/current",
            None,
            Some(&s.session.token),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let me = h
        .call(Method::GET, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let me = h
        .call(
            Method::GET,
            "/api/v1/me",
            None,
            Some(&registered.session.token),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn login_without_registration_is_unknown_patron_and_keeps_the_challenge() {
    let h = harness().await;
    let c = h.challenge("login").await;
    let a = h
        .call(
            Method::POST,
            "/api/v1/sessions",
            Some(login_body("tanaka-hanako", &c)),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "unknown_patron");
    assert_eq!(h.count("sessions").await, 0);
    let used: Option<i64> = sqlx::query_scalar("SELECT used_at FROM challenges WHERE id = $1")
        .bind(&c.id)
        .fetch_one(h.state.db().pool())
        .await
        .unwrap();
    assert_eq!(used, None);
}

#[tokio::test]
async fn re_registration_with_the_same_card_keeps_the_card_number() {
    let h = harness().await;
    let first = session(&h.register("tanaka-hanako").await);
    let c = h.challenge("register").await;
    let a = h
        .post_registration(registration_body(
            "tanaka-hanako",
            &c,
            ORIGIN,
            "new@example.jp",
        ))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let second = session(&a);
    assert!(!second.created);
    assert_eq!(second.patron.id, first.patron.id);
    assert_eq!(second.patron.card_number, first.patron.card_number);
    assert_eq!(second.patron.email, "new@example.jp");
    assert_eq!(h.count("patrons").await, 1);
    assert_eq!(h.count("patron_certificates").await, 1);
    assert_eq!(h.count("sessions").await, 2);
}

/// Hanako moved to Kawasaki and renewed her card: new keys, new
/// certificates, new address. Re-registering finds her by name, birth date
/// and gender (docs/api.md), keeps her library card number, takes the new
/// address from the new certificate, and both cards' auth keys log her in.
#[tokio::test]
async fn re_registration_with_a_renewed_card_after_moving_keeps_the_card_number() {
    let h = harness().await;
    let first = session(&h.register("tanaka-hanako").await);
    let old_address = expected("tanaka-hanako")["address"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(first.patron.address, old_address);

    let a = h.register("tanaka-hanako-renewed").await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let renewed = session(&a);
    assert!(!renewed.created, "the same resident, not a new patron");
    assert_eq!(renewed.patron.id, first.patron.id);
    assert_eq!(renewed.patron.card_number, first.patron.card_number);
    let new_address = expected("tanaka-hanako-renewed")["address"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_address, old_address);
    assert_eq!(renewed.patron.address, new_address);
    assert_eq!(h.count("patrons").await, 1);
    assert_eq!(h.count("card_serials").await, 1, "no second number issued");
    assert_eq!(h.count("patron_certificates").await, 2);

    // The new card's auth key logs her in on a new device.
    let c = h.challenge("login").await;
    let a = h
        .call(
            Method::POST,
            "/api/v1/sessions",
            Some(login_body("tanaka-hanako-renewed", &c)),
            None,
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(session(&a).patron.card_number, first.patron.card_number);
}

#[tokio::test]
async fn a_reused_challenge_is_409_and_stores_nothing() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    assert_eq!(
        h.post_registration(body.clone()).await.status,
        StatusCode::CREATED
    );
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.code(), "challenge_reused");
    assert_eq!(h.count("patrons").await, 1);
    assert_eq!(h.count("sessions").await, 1);
}

#[tokio::test]
async fn an_expired_challenge_is_410() {
    let h = harness().await;
    let c = h.challenge("register").await;
    assert_eq!(c.expires_at, "2026-01-01T00:05:00Z");
    let body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    h.clock.advance(300);
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert_eq!(a.code(), "challenge_expired");
    assert!(a.json()["message_ja"].is_string());
    assert_eq!(h.count("patrons").await, 0);
}

/// Storage a flood could grow is bounded: an expired challenge's row goes
/// when the next challenge is made (not a day later), and beyond
/// `limits.max_live_challenges` unexpired ones new challenges are 503.
#[tokio::test]
async fn expired_challenges_are_purged_and_live_ones_are_capped() {
    let h = harness_with(|c| {
        c.limits.max_live_challenges = 3;
        c.limits.challenges_per_minute = 1000;
    })
    .await;
    for _ in 0..3 {
        h.challenge("register").await;
    }
    let a = h
        .call(
            Method::POST,
            "/api/v1/challenges",
            Some(json!({"purpose": "login"})),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.code(), "challenges_unavailable");
    assert_eq!(h.count("challenges").await, 3);
    // All three expire (300 s): the next challenge is made and the expired
    // rows are gone.
    h.clock.advance(300);
    h.challenge("login").await;
    assert_eq!(h.count("challenges").await, 1);
    let metrics = h
        .call(Method::GET, "/metrics", None, Some(METRICS_TOKEN))
        .await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(text.contains("shiori_challenges_refused_total 1"), "{text}");
}

#[tokio::test]
async fn an_unknown_challenge_is_404() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let mut body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    body["challenge_id"] = json!("no-such-challenge");
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "unknown_challenge");
}

/// The server compares the signed message with what it expects field by
/// field, so each mismatch has its own code; nothing is stored.
#[tokio::test]
async fn a_proof_for_another_origin_is_rejected() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let body = registration_body(
        "tanaka-hanako",
        &c,
        "https://evil.example",
        "hanako@example.jp",
    );
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "wrong_origin");
    assert_eq!(h.count("patrons").await, 0);
}

#[tokio::test]
async fn a_proof_for_another_challenge_or_a_forged_signature_is_rejected() {
    let h = harness().await;
    let first = h.challenge("register").await;
    let second = h.challenge("register").await;
    // Signed for the first challenge, presented as the answer to the second.
    let mut body = registration_body("tanaka-hanako", &first, ORIGIN, "hanako@example.jp");
    body["challenge_id"] = json!(second.id);
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "wrong_challenge");
    // The right message with one bit of the signature flipped.
    let mut body = registration_body("tanaka-hanako", &first, ORIGIN, "hanako@example.jp");
    let mut sig = STANDARD
        .decode(body["signature"].as_str().unwrap())
        .unwrap();
    sig[100] ^= 1;
    body["signature"] = json!(b64(&sig));
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "bad_signature");
    // Another card's auth certificate in place of the one the proof binds.
    let mut body = registration_body("tanaka-hanako", &first, ORIGIN, "hanako@example.jp");
    let other = registration_body("sato-ichiro", &second, ORIGIN, "ichiro@example.jp");
    body["auth_certificate"] = other["auth_certificate"].clone();
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "auth_certificate_mismatch");
    assert_eq!(h.count("patrons").await, 0);
    // The challenge is still usable by its honest answer.
    let a = h
        .post_registration(registration_body(
            "tanaka-hanako",
            &first,
            ORIGIN,
            "hanako@example.jp",
        ))
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_login_challenge_cannot_register() {
    let h = harness().await;
    let c = h.challenge("login").await;
    let a = h
        .post_registration(registration_body(
            "tanaka-hanako",
            &c,
            ORIGIN,
            "hanako@example.jp",
        ))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "wrong_purpose");
    assert_eq!(h.count("patrons").await, 0);
}

#[tokio::test]
async fn rejected_cards_have_the_verifier_code() {
    let h = harness().await;
    for (card, code) in [
        ("rogue-card", "unknown_issuer"),
        ("ito-expired", "expired"),
        ("watanabe-revoked", "revoked"),
    ] {
        let a = h.register(card).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{card}");
        assert_eq!(a.code(), code, "{card}");
    }
    assert_eq!(h.count("patrons").await, 0);
    assert_eq!(h.count("sessions").await, 0);
    let metrics = h
        .call(Method::GET, "/metrics", None, Some(METRICS_TOKEN))
        .await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.contains("shiori_registrations_total{result=\"failed\"} 3"),
        "{text}"
    );
}

#[tokio::test]
async fn a_signing_certificate_sent_as_auth_is_wrong_purpose() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let mut body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    body["auth_certificate"] = body["signing_certificate"].clone();
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "wrong_purpose");
}

#[tokio::test]
async fn malformed_input_is_400_415_413_never_500() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let mut body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    let good = body.clone();
    body["signature"] = json!("not base64!!");
    let a = h.post_registration(body).await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_base64")
    );

    let mut body = good.clone();
    body["email"] = json!("not-an-address");
    let a = h.post_registration(body).await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_email")
    );

    let mut body = good.clone();
    body["signing_certificate"] = json!(b64(b"garbage"));
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "malformed_certificate");

    let mut body = good.clone();
    body["unexpected"] = json!(1);
    let a = h.post_registration(body).await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_json")
    );

    let req = Request::post("/api/v1/registrations")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let a = h.raw(req).await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_json")
    );

    let req = Request::post("/api/v1/registrations")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(serde_json::to_vec(&good).unwrap()))
        .unwrap();
    let a = h.raw(req).await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(a.code(), "unsupported_media_type");

    let big = vec![b' '; 1 << 20];
    let req = Request::post("/api/v1/registrations")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    let a = h.raw(req).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "body_too_large");

    let a = h
        .call(
            Method::POST,
            "/api/v1/challenges",
            Some(json!({"purpose": "pay"})),
            None,
        )
        .await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_json")
    );

    // Nothing of this was stored, and the challenge is still good.
    assert_eq!(h.count("patrons").await, 0);
    assert_eq!(h.post_registration(good).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn me_needs_a_valid_token() {
    let h = harness().await;
    let a = h.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "unauthorized");
    let a = h
        .call(Method::GET, "/api/v1/me/card.png", None, Some("made-up"))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    // Sessions expire.
    let s = session(&h.register("tanaka-hanako").await);
    h.clock.advance(30 * 24 * 3600);
    let a = h
        .call(Method::GET, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_the_account_removes_everything() {
    let h = harness().await;
    let s = session(&h.register("tanaka-hanako").await);
    let a = h
        .call(Method::DELETE, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = h
        .call(Method::GET, "/api/v1/me", None, Some(&s.session.token))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    for table in ["patrons", "patron_certificates", "sessions"] {
        assert_eq!(h.count(table).await, 0, "{table}");
    }
    // Registering again gives a new patron and a new card number.
    let again = session(&h.register("tanaka-hanako").await);
    assert!(again.created);
    assert_ne!(again.patron.card_number, s.patron.card_number);
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let h = harness().await;
    let a = h.call(Method::GET, "/health", None, None).await;
    assert_eq!(
        (a.status, a.body.as_slice()),
        (StatusCode::OK, b"ok".as_slice())
    );
    let a = h
        .call(Method::GET, "/metrics", None, Some(METRICS_TOKEN))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(String::from_utf8(a.body)
        .unwrap()
        .contains("shiori_logins_total{result=\"ok\"} 0"));
    let a = h
        .call(Method::GET, "/api/v1/openapi.yaml", None, None)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let text = String::from_utf8(a.body).unwrap();
    assert!(text.starts_with("openapi: 3.1"));
    for path in [
        "/challenges:",
        "/registrations:",
        "/sessions:",
        "/me/export:",
    ] {
        assert!(text.contains(path), "{path}");
    }
    let a = h.call(Method::GET, "/api/v1/nope", None, None).await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

/// 50 registrations at once: 5 different cards, 10 taps each. Every request
/// succeeds, each card ends as exactly one patron (one 201, nine 200), and
/// the 5 card numbers are distinct.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_registrations() {
    let h = Arc::new(harness().await);
    let cards = [
        "tanaka-hanako",
        "sato-ichiro",
        "takahashi-kazuko",
        "suzuki-minoru",
        "nakamura-juki",
    ];
    let mut bodies = Vec::new();
    for card in cards {
        for i in 0..10 {
            let c = h.challenge("register").await;
            bodies.push((
                card,
                registration_body(card, &c, ORIGIN, &format!("p{i}@example.jp")),
            ));
        }
    }
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|(card, body)| {
            let h = h.clone();
            tokio::spawn(async move { (card, h.post_registration(body).await) })
        })
        .collect();
    let mut per_card: std::collections::HashMap<&str, Vec<SessionResponse>> = Default::default();
    for t in tasks {
        let (card, a) = t.await.unwrap();
        assert!(
            a.status == StatusCode::CREATED || a.status == StatusCode::OK,
            "{card}: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
        per_card.entry(card).or_default().push(session(&a));
    }
    let mut numbers = std::collections::HashSet::new();
    for (card, answers) in &per_card {
        assert_eq!(answers.iter().filter(|s| s.created).count(), 1, "{card}");
        let ids: std::collections::HashSet<_> = answers.iter().map(|s| &s.patron.id).collect();
        assert_eq!(ids.len(), 1, "{card}");
        numbers.insert(answers[0].patron.card_number.clone());
    }
    assert_eq!(numbers.len(), cards.len());
    assert_eq!(h.count("patrons").await, cards.len() as i64);
    assert_eq!(h.count("sessions").await, 50);
}

/// `serve` on a real socket: the binary's path, minus the signal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_on_a_real_socket() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let db = shiori_server::testing::test_database(dir.path())
        .await
        .unwrap();
    let config = Config::test_defaults(db, format!("http://{addr}"));
    let server = tokio::spawn(shiori_server::serve(listener, config));
    let response = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        for _ in 0..50 {
            if let Ok(mut s) = std::net::TcpStream::connect(addr) {
                s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).unwrap();
                return out;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("server did not come up");
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("x-request-id"),
        "{response}"
    );
    assert!(response.ends_with("ok"), "{response}");
    server.abort();
}

#[tokio::test]
async fn config_round_trips_through_toml_and_bad_config_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::test_defaults(dir.path().join("shiori.db"), ORIGIN);
    let path = dir.path().join("shiori.toml");
    std::fs::write(&path, toml::to_string(&config).unwrap()).unwrap();
    assert_eq!(Config::from_toml_file(&path).unwrap(), config);

    let mut bad = config.clone();
    bad.public_origin = "http://host/with/path".into();
    assert!(shiori_server::build_app(bad).await.is_err());
    let mut bad = config;
    bad.trust_anchors.auth.clear();
    assert!(shiori_server::build_app(bad).await.is_err());
}

/// The same answer sent 10 times at once: exactly one registration commits,
/// the others are `challenge_reused` and leave nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replayed_answer_racing_itself_succeeds_once() {
    let h = Arc::new(harness().await);
    let c = h.challenge("register").await;
    let body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (h, body) = (h.clone(), body.clone());
            tokio::spawn(async move { h.post_registration(body).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        if a.status != StatusCode::CREATED {
            assert_eq!(a.code(), "challenge_reused");
        }
        statuses.push(a.status);
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{statuses:?}");
    assert_eq!(h.count("patrons").await, 1);
    assert_eq!(h.count("sessions").await, 1);
}

#[tokio::test]
async fn a_wrong_method_or_path_gets_a_json_error() {
    let h = harness().await;
    for (method, path, status, code) in [
        (
            Method::PUT,
            "/api/v1/challenges",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/registrations",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            "/health",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/nothing-here",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let a = h.call(method.clone(), path, None, None).await;
        assert_eq!(a.status, status, "{method} {path}");
        assert_eq!(a.code(), code, "{method} {path}");
    }
}

/// The suite runs on the back-end the CI stage asked for (`.ci/run` sets
/// `SHIORI_TEST_EXPECT_BACKEND=postgres` for its PostgreSQL pass), so a
/// misconfigured pass cannot quietly test SQLite twice.
#[tokio::test]
async fn the_suite_runs_on_the_expected_backend() {
    let h = harness().await;
    let expected = match std::env::var("SHIORI_TEST_EXPECT_BACKEND").as_deref() {
        Ok("postgres") => shiori_server::Backend::Postgres,
        Ok("sqlite") => shiori_server::Backend::Sqlite,
        // Unset: whatever the test database setting selects.
        Err(_) if std::env::var_os(shiori_server::testing::POSTGRES_ENV).is_some() => {
            shiori_server::Backend::Postgres
        }
        Err(_) => shiori_server::Backend::Sqlite,
        Ok(other) => panic!("SHIORI_TEST_EXPECT_BACKEND={other:?}: postgres or sqlite"),
    };
    assert_eq!(h.state.db().backend(), expected);
    // And the database really is that back-end.
    let version: String = sqlx::query_scalar(match expected {
        shiori_server::Backend::Postgres => "SELECT version()",
        shiori_server::Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
    })
    .fetch_one(h.state.db().pool())
    .await
    .unwrap();
    let prefix = match expected {
        shiori_server::Backend::Postgres => "PostgreSQL",
        shiori_server::Backend::Sqlite => "SQLite",
    };
    assert!(version.starts_with(prefix), "{version}");
}

// --- Registration proves both keys (issue: account takeover with another
// card's public auth certificate). ---

/// How a tampered client tries to pass off a victim's auth certificate,
/// read from the victim's card without any PIN, beside the attacker's own
/// signing certificate.
#[derive(Debug, Clone, Copy)]
enum Forgery {
    /// Version-2 message binding the victim's auth certificate, signed by the
    /// attacker's signing key and by the attacker's own auth key.
    OwnAuthKey,
    /// The same message with no auth signature at all.
    NoAuthSignature,
    /// A version-1 message (what clients signed before), signing key only.
    OldFormat,
}

/// The victim's auth certificate as anyone with a reader gets it: no PIN.
fn public_auth_certificate(card: &str) -> JpkiCertificate {
    let mut c = JpkiCard::open(VirtualCard::from_image(image(card)).unwrap()).unwrap();
    JpkiCertificate::from_der(&c.read_certificate(fid::AUTH_CERT).unwrap()).unwrap()
}

fn takeover_body(attacker: &str, victim: &str, c: &Challenge, forgery: Forgery) -> Value {
    let victim_auth = public_auth_certificate(victim);
    let img = image(attacker);
    let password = SigningPassword::new(img.signing_password.as_deref().unwrap()).unwrap();
    let pin = AuthPin::new(&img.auth_pin).unwrap();
    let mut card = JpkiCard::open(VirtualCard::from_image(img).unwrap()).unwrap();
    card.verify_signing_password(&password, LastTry::Refuse)
        .unwrap();
    let signing =
        JpkiCertificate::from_der(&card.read_certificate(fid::SIGNING_CERT).unwrap()).unwrap();
    let nonce = STANDARD.decode(&c.nonce).unwrap();
    let request = ProofRequest::new(ProofPurpose::Register, ORIGIN, nonce).unwrap();
    let message = match forgery {
        Forgery::OldFormat => request.message(victim_auth.der()),
        _ => request.registration_message(victim_auth.der(), signing.der()),
    }
    .to_bytes();
    let signature = card.sign(KeyKind::Signing, &message, &signing).unwrap();
    let mut body = json!({
        "challenge_id": c.id,
        "signing_certificate": b64(signing.der()),
        "auth_certificate": b64(victim_auth.der()),
        "message": b64(&message),
        "signature": b64(&signature),
        "email": "attacker@example.jp",
    });
    if let Forgery::OwnAuthKey = forgery {
        card.verify_auth_pin(&pin, LastTry::Refuse).unwrap();
        let own_auth =
            JpkiCertificate::from_der(&card.read_certificate(fid::AUTH_CERT).unwrap()).unwrap();
        let auth_signature = card.sign(KeyKind::Auth, &message, &own_auth).unwrap();
        body["auth_signature"] = json!(b64(&auth_signature));
    }
    body
}

impl Harness {
    /// Everything a takeover could change, as text: patrons with their
    /// facts and contact, certificate links, sessions.
    async fn snapshot(&self) -> Vec<String> {
        let pool = self.state.db().pool();
        let mut out: Vec<String> = sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT id, name, address, email, card_number FROM patrons ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
        out.extend(
            sqlx::query_as::<_, (String, String)>(
                "SELECT auth_fingerprint, patron_id FROM patron_certificates \
                 ORDER BY auth_fingerprint",
            )
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r| format!("{r:?}")),
        );
        out.push(format!("sessions: {}", self.count("sessions").await));
        out
    }

    async fn login(&self, card: &str) -> Answer {
        let c = self.challenge("login").await;
        self.call(
            Method::POST,
            "/api/v1/sessions",
            Some(login_body(card, &c)),
            None,
        )
        .await
    }

    async fn me(&self, token: &str) -> Answer {
        self.call(Method::GET, "/api/v1/me", None, Some(token))
            .await
    }
}

const FORGERIES: [(Forgery, &str); 3] = [
    (Forgery::OwnAuthKey, "bad_auth_signature"),
    (Forgery::NoAuthSignature, "auth_signature_missing"),
    (Forgery::OldFormat, "outdated_registration_proof"),
];

/// Order 1: the victim registered first. An attacker with their own card
/// sends their signing certificate and the victim's auth certificate: before
/// two-key registration this returned the victim's patron id, card number
/// and a session, and overwrote her facts and e-mail.
#[tokio::test]
async fn another_cards_auth_certificate_cannot_take_over_a_registered_patron() {
    let h = harness().await;
    let victim = session(&h.register("tanaka-hanako").await);
    let before = h.snapshot().await;
    for (forgery, code) in FORGERIES {
        let c = h.challenge("register").await;
        let a = h
            .post_registration(takeover_body("sato-ichiro", "tanaka-hanako", &c, forgery))
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{forgery:?}");
        assert_eq!(a.code(), code, "{forgery:?}");
        assert!(a.json()["message_ja"].is_string(), "{forgery:?}");
    }
    assert_eq!(h.snapshot().await, before, "nothing changed");
    let me = h.me(&victim.session.token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "hanako@example.jp");
}

/// Order 2: the attacker comes first with a not-yet-registered victim's auth
/// certificate. Before, the attacker's record was then linked to the
/// victim's auth certificate, the victim's later registration landed in it,
/// and the attacker's token read her name, address and birth date.
#[tokio::test]
async fn another_cards_auth_certificate_cannot_be_planted_before_its_owner_registers() {
    let h = harness().await;
    for (forgery, code) in FORGERIES {
        let c = h.challenge("register").await;
        let a = h
            .post_registration(takeover_body("sato-ichiro", "tanaka-hanako", &c, forgery))
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{forgery:?}");
        assert_eq!(a.code(), code, "{forgery:?}");
    }
    assert_eq!(h.count("patrons").await, 0);
    assert_eq!(h.count("patron_certificates").await, 0);
    assert_eq!(h.count("sessions").await, 0);

    let attacker = session(&h.register("sato-ichiro").await);
    let victim = session(&h.register("tanaka-hanako").await);
    assert!(victim.created);
    assert_ne!(victim.patron.id, attacker.patron.id);
    let login = session(&h.login("tanaka-hanako").await);
    assert_eq!(login.patron.id, victim.patron.id);
    let seen = h.me(&attacker.session.token).await.json();
    assert_eq!(seen["name"], attacker.patron.name);
    assert_ne!(seen["name"], victim.patron.name);
}

/// A row from before two-key registration, planted by an attacker (order 2
/// under the old server): it logs nobody in, and the victim's two-key
/// registration moves the link to a record of her own instead of landing in
/// the attacker's.
#[tokio::test]
async fn an_unproven_link_planted_before_logs_nobody_in_and_is_moved_by_its_owner() {
    let h = harness().await;
    let attacker = session(&h.register("sato-ichiro").await);
    let victim_fp = hex::encode(public_auth_certificate("tanaka-hanako").fingerprint_sha256());
    sqlx::query("UPDATE patron_certificates SET auth_fingerprint = $1, auth_proven_at = NULL")
        .bind(&victim_fp)
        .execute(h.state.db().pool())
        .await
        .unwrap();

    let a = h.login("tanaka-hanako").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "auth_link_unproven");
    assert!(a.json()["message_ja"].is_string());

    let victim = session(&h.register("tanaka-hanako").await);
    assert!(victim.created, "not the attacker's record");
    assert_ne!(victim.patron.id, attacker.patron.id);
    let seen = h.me(&attacker.session.token).await.json();
    assert_eq!(seen["name"], attacker.patron.name);
    assert_eq!(seen["address"], attacker.patron.address);
    let login = session(&h.login("tanaka-hanako").await);
    assert_eq!(login.patron.id, victim.patron.id);
}

/// A patron's own row from before two-key registration: login is refused
/// until she taps again to register; that keeps her record and card number.
#[tokio::test]
async fn an_own_unproven_link_is_proven_by_registering_again() {
    let h = harness().await;
    let first = session(&h.register("tanaka-hanako").await);
    sqlx::query("UPDATE patron_certificates SET auth_proven_at = NULL")
        .execute(h.state.db().pool())
        .await
        .unwrap();
    assert_eq!(h.login("tanaka-hanako").await.code(), "auth_link_unproven");
    let again = h.register("tanaka-hanako").await;
    assert_eq!(again.status, StatusCode::OK);
    let again = session(&again);
    assert!(!again.created);
    assert_eq!(again.patron.id, first.patron.id);
    assert_eq!(again.patron.card_number, first.patron.card_number);
    let login = h.login("tanaka-hanako").await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(session(&login).patron.id, first.patron.id);
}

/// When a re-registration changes the 4 facts, every session from before
/// ends: whoever held one knew an identity that is no longer this record's.
#[tokio::test]
async fn changed_facts_revoke_every_earlier_session() {
    let h = harness().await;
    let first = session(&h.register("tanaka-hanako").await);
    let other_device = session(&h.login("tanaka-hanako").await);
    // Same facts: sessions stay.
    let same = session(&h.register("tanaka-hanako").await);
    assert_eq!(
        h.me(&first.session.token).await.status,
        StatusCode::OK,
        "unchanged facts keep sessions"
    );
    // A renewed card after a move: the address changes.
    let moved = session(&h.register("tanaka-hanako-renewed").await);
    assert_eq!(moved.patron.id, first.patron.id);
    for token in [
        &first.session.token,
        &other_device.session.token,
        &same.session.token,
    ] {
        assert_eq!(h.me(token).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(h.me(&moved.session.token).await.status, StatusCode::OK);
    assert_eq!(h.count("sessions").await, 1);
}

#[tokio::test]
async fn an_unknown_home_branch_is_refused() {
    let h = harness().await;
    let c = h.challenge("register").await;
    let mut body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    body["home_branch"] = json!("atlantis");
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "unknown_branch");
    assert_eq!(h.count("patrons").await, 0);
    let mut body = registration_body("tanaka-hanako", &c, ORIGIN, "hanako@example.jp");
    body["home_branch"] = json!("central");
    let a = h.post_registration(body).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(session(&a).patron.home_branch.as_deref(), Some("central"));
}

/// A `tracing` writer into a shared buffer (the log capture of
/// `one_log_line_per_request_without_secrets`).
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Operators get one line per request — method, route template, status,
/// latency, request id — and never the token, the raw path, the query
/// string or a card number.
#[tokio::test]
async fn one_log_line_per_request_without_secrets() {
    let h = harness().await;
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let secret = "Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NTY3ODkw";
    let card = "0290001234-5";
    let req = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/v1/me/holds/{card}?card={card}"))
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header("x-request-id", "req-4711")
        .body(Body::empty())
        .unwrap();
    let a = h.raw(req).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let unmatched = Request::get(format!("/no/such/{card}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(h.raw(unmatched).await.status, StatusCode::NOT_FOUND);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("req-4711"))
        .unwrap_or_else(|| panic!("no request line in {text:?}"));
    for field in [
        "method=DELETE",
        "route=/api/v1/me/holds/{id}",
        "status=401",
        "latency_ms=",
        "request_id=req-4711",
    ] {
        assert!(line.contains(field), "{field} missing in {line}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("route=unmatched") && l.contains("status=404")),
        "{text}"
    );
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains(card), "{text}");
    assert!(!text.contains("card="), "{text}");
}
