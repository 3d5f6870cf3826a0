//! How long parsing a certificate takes: the signing certificate of
//! `test-vectors/cards/tanaka-hanako.json` (EF `0001`, filler trimmed with
//! `der_length`) into its 4 basic facts, and the real auth certificate from
//! `shared/real-card/` (parse only). Goal: under 10 µs per signing
//! certificate. Inputs that are absent are skipped with a note.
//!
//! Run: `cargo bench -p shiori-core --bench parse_signing_cert`

use std::hint::black_box;

use criterion::{criterion_main, Criterion};
use shiori_core::cert::{der_length, JpkiCertificate};

fn signing_ef() -> Option<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/cards/tanaka-hanako.json"
    );
    let text = std::fs::read_to_string(path)
        .map_err(|e| eprintln!("note: no signing-cert bench, {path}: {e}"))
        .ok()?;
    let card: serde_json::Value = serde_json::from_str(&text).ok()?;
    hex::decode(card["files"]["0001"].as_str()?).ok()
}

fn real_auth_der() -> Option<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/real-card/auth-cert-myna.cer"
    );
    std::fs::read(path)
        .map_err(|e| eprintln!("note: no auth-cert bench, {path}: {e}"))
        .ok()
}

fn bench(c: &mut Criterion) {
    if let Some(ef) = signing_ef() {
        c.bench_function("signing cert EF -> 4 facts", |b| {
            b.iter(|| {
                let ef = black_box(&ef[..]);
                let len = der_length(ef).expect("length");
                let cert = JpkiCertificate::from_der(&ef[..len]).expect("parses");
                let info = cert.basic_info().expect("facts");
                black_box((
                    info.name.len(),
                    info.address.len(),
                    info.birth_date,
                    info.gender,
                ));
            })
        });
    }
    if let Some(der) = real_auth_der() {
        c.bench_function("real auth cert parse", |b| {
            b.iter(|| black_box(JpkiCertificate::from_der(black_box(&der)).expect("parses")))
        });
    }
}

/// Holds the criterion group, whose generated `pub fn` is then not exported.
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
