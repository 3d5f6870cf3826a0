//! Verification CPU per registration: signing chain + auth chain + the
//! proof signed by both keys (four RSA verifies).
//! `cargo bench -p shiori-server --bench verify_registration`
//!
//! With `SHIORI_VERIFY_EXPORT=DIR` it first writes what it verifies (both
//! certificates, the proof message and both signatures, the time) as files, for
//! `scripts/compare-verify-openssl.sh` to time OpenSSL on the same work.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shiori_core::cert::{CertificatePurpose, PolicyKind};
use shiori_core::jpki::flows::registration_tap;
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{verify_registration, ProofPurpose, ProofRequest, RegistrationSignatures};
use shiori_core::virtual_card::VirtualCard;
use shiori_server::verify::{ChainVerifier, NoRevocationCheck, TrustAnchors};

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors");
    let read = |p: &str| std::fs::read(root.join(p)).unwrap();
    let (s1, s2, a1, a2) = (
        read("pki/sign-root-g1.der"),
        read("pki/sign-root-g2.der"),
        read("pki/auth-root-g1.der"),
        read("pki/auth-root-g2.der"),
    );
    let anchors = TrustAnchors::from_der(&[&s1, &s2], &[&a1, &a2]).unwrap();
    let verifier = ChainVerifier::new(anchors, PolicyKind::Test, Arc::new(NoRevocationCheck));
    let card = VirtualCard::load(&root.join("cards/tanaka-hanako.json")).unwrap();
    let image: serde_json::Value =
        serde_json::from_slice(&read("cards/tanaka-hanako.json")).unwrap();
    let pw = SigningPassword::new(image["signing_password"].as_str().unwrap()).unwrap();
    let pin = AuthPin::new(image["auth_pin"].as_str().unwrap()).unwrap();
    let req = ProofRequest::new(
        ProofPurpose::Register,
        "https://library.example.jp",
        vec![3; 32],
    )
    .unwrap();
    let tap = registration_tap(card, &pw, &pin, &req, LastTry::Refuse).unwrap();
    let (sign_der, auth_der) = (
        tap.signing_certificate.der().to_vec(),
        tap.auth_certificate.der().to_vec(),
    );
    let now = 1_767_225_600;
    if let Some(dir) = std::env::var_os("SHIORI_VERIFY_EXPORT") {
        let dir = PathBuf::from(dir);
        std::fs::write(dir.join("signing.der"), &sign_der).unwrap();
        std::fs::write(dir.join("auth.der"), &auth_der).unwrap();
        std::fs::write(dir.join("message.bin"), &tap.message).unwrap();
        std::fs::write(dir.join("signature.bin"), &tap.signature).unwrap();
        std::fs::write(dir.join("auth-signature.bin"), &tap.auth_signature).unwrap();
        std::fs::write(dir.join("now"), now.to_string()).unwrap();
    }
    let signing = shiori_core::cert::JpkiCertificate::from_der(&sign_der).unwrap();
    let issuer = verifier
        .verify(&sign_der, CertificatePurpose::Signing, now)
        .unwrap()
        .issuer;
    c.bench_function("parts: parse signing certificate", |b| {
        b.iter(|| shiori_core::cert::JpkiCertificate::from_der(&sign_der).unwrap())
    });
    c.bench_function("parts: one RSA-2048 verify (certificate by root)", |b| {
        b.iter(|| signing.verify_issued_by(&issuer).unwrap())
    });
    c.bench_function("parts: verify signing chain", |b| {
        b.iter(|| {
            verifier
                .verify(&sign_der, CertificatePurpose::Signing, now)
                .unwrap()
        })
    });
    let register = || {
        let s = verifier
            .verify(&sign_der, CertificatePurpose::Signing, now)
            .unwrap();
        let a = verifier
            .verify(&auth_der, CertificatePurpose::Authentication, now)
            .unwrap();
        let signatures = RegistrationSignatures {
            signing: &tap.signature,
            auth: &tap.auth_signature,
        };
        verify_registration(
            &tap.message,
            signatures,
            &s.certificate,
            &a.certificate,
            &req,
        )
        .unwrap();
        s.certificate.basic_info().map(|i| i.name.len())
    };
    c.bench_function("verify registration (2 chains + 2 proof signatures)", |b| {
        b.iter(register)
    });
    ratio(
        || {
            signing.verify_issued_by(&issuer).unwrap();
        },
        || {
            std::hint::black_box(register());
        },
    );
}

/// The goal's figure, robust to a shared machine: one RSA verify and one
/// registration timed in alternating rounds, the best round of each (what
/// the CPU needs when nothing else takes it), and their ratio.
fn ratio(one_verify: impl Fn(), registration: impl Fn()) {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let per_call = |f: &dyn Fn(), n: u32| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    };
    let (mut v, mut r) = (f64::MAX, f64::MAX);
    for _ in 0..100 {
        v = v.min(per_call(&one_verify, 200));
        r = r.min(per_call(&registration, 50));
    }
    println!(
        "registration / (4 x one RSA-2048 verify), best of 100 alternating rounds: \
         {r:.1} us / (4 x {v:.2} us) = {:.3}",
        r / (4.0 * v)
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
