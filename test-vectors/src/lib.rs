//! Shiori's deterministic TEST vectors: a TEST JPKI (two root generations and a
//! rogue root per purpose), ten virtual My Number Cards, CRLs and the facts a
//! certificate parser must find.
//!
//! [`generate`] returns every output file as `(relative path, bytes)`; the
//! `generate` binary writes them under `test-vectors/`, and `--check` (like
//! `tests/reproducible.rs`) compares them with the committed copies. All keys
//! come from fixed seeds, all dates and serials are fixed, and RSA PKCS#1 v1.5
//! signatures are deterministic, so every run produces the same bytes.
//!
//! TEST KEYS — never trust these roots in production.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::CrlReason;

pub mod cards;
pub mod keys;
pub mod pki;
pub mod population;
pub mod residents;
pub mod x509;

use cards::CardParts;
use pki::{Generation, Leaf, Purpose, Root};
use residents::RESIDENTS;

/// What can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DER encoding.
    #[error("DER: {0}")]
    Der(#[from] x509_cert::der::Error),
    /// RSA key generation or signing.
    #[error("RSA: {0}")]
    Rsa(#[from] rsa::Error),
    /// PKCS#8 private key encoding.
    #[error("PKCS#8: {0}")]
    Pkcs8(#[from] rsa::pkcs8::Error),
    /// SubjectPublicKeyInfo encoding.
    #[error("SPKI: {0}")]
    Spki(#[from] rsa::pkcs8::spki::Error),
    /// JSON serialisation.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading or writing the output tree.
    #[error("I/O on {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The input spec is inconsistent.
    #[error("spec: {0}")]
    Spec(String),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The folders owned by the generator (`transcripts/` is written by hand).
pub const MANAGED_DIRS: [&str; 4] = ["pki", "crl", "cards", "expected"];

/// The committed output tree: this crate's folder.
pub fn default_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A committed card image by name (`cards/<name>.json`), for tests in other
/// crates. Panics if the file is missing or malformed: test code only.
#[allow(clippy::expect_used)]
pub fn card_image(name: &str) -> shiori_core::virtual_card::CardImage {
    let path = default_dir().join(format!("cards/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("committed card image");
    serde_json::from_str(&text).expect("card image JSON")
}

/// A 4-byte serial with a non-zero, positive first byte, derived from `label`.
fn serial(label: &str) -> u32 {
    let h = Sha256::digest(format!("serial/{label}"));
    (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7FFF_FFFF) | 0x0100_0000
}

/// `n` characters from a hash of `label`, each drawn from `alphabet`.
fn chars(label: &str, alphabet: &[u8], n: usize) -> String {
    Sha256::digest(label)
        .iter()
        .take(n)
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect()
}

const DIGITS: &[u8] = b"0123456789";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A 23-character auth CN shaped like real ones (`840444E37PAFHN08220003A`).
fn auth_cn(card: &str) -> String {
    format!(
        "{}E{}{}{}A",
        chars(&format!("cn1/{card}"), DIGITS, 6),
        chars(&format!("cn2/{card}"), DIGITS, 2),
        chars(&format!("cn3/{card}"), LETTERS, 5),
        chars(&format!("cn4/{card}"), DIGITS, 8),
    )
}

/// An opaque signing CN: issuance date + 17 digits (time, counter, window code).
fn sign_cn(card: &str, expired: bool) -> String {
    let day = if expired { "20190401" } else { "20250401" };
    format!("{day}{}", chars(&format!("sign-cn/{card}"), DIGITS, 17))
}

fn root_label(purpose: Purpose, generation: Generation) -> String {
    format!("root/{}-{}", purpose.slug(), generation.slug())
}

/// Every output file as `(path relative to test-vectors/, bytes)`, sorted by path.
pub fn generate() -> Result<Vec<(String, Vec<u8>)>> {
    const GENERATIONS: [Generation; 3] = [Generation::G1, Generation::G2, Generation::Rogue];
    const PURPOSES: [Purpose; 2] = [Purpose::Sign, Purpose::Auth];
    let mut labels = Vec::new();
    for p in PURPOSES {
        for g in GENERATIONS {
            labels.push(root_label(p, g));
        }
    }
    for r in &RESIDENTS {
        labels.push(format!("card/{}/auth", r.card));
        if r.signing_password.is_some() {
            labels.push(format!("card/{}/sign", r.card));
        }
    }
    let mut keys = keys::keys(&labels)?;
    let mut take = |label: &str| {
        keys.remove(label)
            .ok_or_else(|| Error::Spec(format!("no key for {label}")))
    };

    let mut out = BTreeMap::new();
    let mut roots = BTreeMap::new();
    for p in PURPOSES {
        for g in GENERATIONS {
            let root = Root::new(p, g, take(&root_label(p, g))?)?;
            let stem = match g {
                Generation::Rogue => format!("pki/rogue-{}-root", p.slug()),
                _ => format!("pki/{}-root-{}", p.slug(), g.slug()),
            };
            out.insert(format!("{stem}.der"), root.der.clone());
            out.insert(format!("{stem}.TEST-KEY.pk8.der"), keys::pkcs8(&root.key)?);
            roots.insert((p.slug(), g.slug()), root);
        }
    }
    let root = |p: Purpose, g: Generation| {
        roots
            .get(&(p.slug(), g.slug()))
            .ok_or_else(|| Error::Spec(format!("no root {}-{}", p.slug(), g.slug())))
    };

    let mut serials = BTreeSet::new();
    let mut revoked: BTreeMap<(&str, &str), Vec<(u32, CrlReason)>> = BTreeMap::new();
    for (p, g) in [
        (Purpose::Sign, Generation::G1),
        (Purpose::Sign, Generation::G2),
    ]
    .into_iter()
    .chain([
        (Purpose::Auth, Generation::G1),
        (Purpose::Auth, Generation::G2),
    ]) {
        // One never-issued serial per CRL, so no CRL is empty.
        let phantom = serial(&format!("phantom/{}-{}", p.slug(), g.slug()));
        let reason = match p {
            Purpose::Sign => CrlReason::AffiliationChanged,
            Purpose::Auth => CrlReason::CessationOfOperation,
        };
        serials.insert(phantom);
        revoked
            .entry((p.slug(), g.slug()))
            .or_default()
            .push((phantom, reason));
    }

    for r in &RESIDENTS {
        let validity = if r.expired {
            x509_cert::time::Validity {
                not_before: x509::utc(2019, 4, 1, 0, 0, 0)?,
                not_after: x509::utc(2024, 3, 31, 14, 59, 59)?,
            }
        } else {
            x509_cert::time::Validity {
                not_before: x509::utc(2025, 4, 1, 0, 0, 0)?,
                not_after: x509::utc(2030, 3, 31, 14, 59, 59)?,
            }
        };
        let auth_key = take(&format!("card/{}/auth", r.card))?;
        let auth_public = auth_key.to_public_key();
        let auth_serial = serial(&format!("{}/auth", r.card));
        let auth_cn = auth_cn(r.card);
        let auth_cert = root(Purpose::Auth, r.generation)?.issue(
            &Leaf {
                serial: auth_serial,
                common_name: &auth_cn,
                prefecture: r.prefecture,
                city: r.city,
                validity,
                public: &auth_public,
            },
            &Default::default(),
        )?;
        let mut sign = None;
        if r.signing_password.is_some() {
            let key = take(&format!("card/{}/sign", r.card))?;
            let public = key.to_public_key();
            let sign_serial = serial(&format!("{}/sign", r.card));
            let cn = sign_cn(r.card, r.expired);
            let san = r.san_values();
            let san: [&str; 6] = std::array::from_fn(|k| san[k].as_str());
            let cert = root(Purpose::Sign, r.generation)?.issue(
                &Leaf {
                    serial: sign_serial,
                    common_name: &cn,
                    prefecture: r.prefecture,
                    city: r.city,
                    validity,
                    public: &public,
                },
                &san,
            )?;
            out.insert(
                format!("expected/{}.json", r.card),
                cards::expected_json(r, sign_serial, auth_serial)?,
            );
            sign = Some((sign_serial, cert, keys::pkcs8(&key)?));
        }
        for s in std::iter::once(auth_serial).chain(sign.as_ref().map(|s| s.0)) {
            if !serials.insert(s) {
                return Err(Error::Spec(format!("duplicate serial {s:08X}")));
            }
        }
        if r.revoked {
            let g = r.generation.slug();
            let mut add = |p: &'static str, s: u32| {
                revoked
                    .entry((p, g))
                    .or_default()
                    .push((s, CrlReason::KeyCompromise));
            };
            add("auth", auth_serial);
            if let Some((s, _, _)) = &sign {
                add("sign", *s);
            }
        }
        let token_serial = chars(&format!("token/{}", r.card), b"0123456789ABCDEF", 16);
        let parts = CardParts {
            sign_root: root(Purpose::Sign, r.generation)?.der.clone(),
            auth_root: root(Purpose::Auth, r.generation)?.der.clone(),
            auth_cert,
            auth_key: keys::pkcs8(&auth_key)?,
            sign_key: sign.as_ref().map(|s| s.2.clone()),
            sign_cert: sign.map(|s| s.1),
            token_serial,
        };
        out.insert(
            format!("cards/{}.json", r.card),
            cards::card_json(r, &parts)?,
        );
    }

    for p in PURPOSES {
        for g in [Generation::G1, Generation::G2] {
            let mut list = revoked.remove(&(p.slug(), g.slug())).unwrap_or_default();
            list.sort_by_key(|(s, _)| *s);
            let crl = root(p, g)?.crl(1, &list)?;
            out.insert(format!("crl/{}-{}.crl", p.slug(), g.slug()), crl);
        }
    }
    Ok(out.into_iter().collect())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Io(path.to_owned(), e)
}

/// Files currently under the managed folders of `dir`, as relative paths.
fn existing(dir: &Path) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for sub in MANAGED_DIRS {
        let path = dir.join(sub);
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(io(&path))?;
            found.insert(format!("{sub}/{}", entry.file_name().to_string_lossy()));
        }
    }
    Ok(found)
}

/// Writes `files` under `dir` and deletes other files in the managed folders.
pub fn write(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let wanted: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for stale in existing(dir)? {
        if !wanted.contains(stale.as_str()) {
            let path = dir.join(&stale);
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(())
}

/// How the tree under `dir` differs from `files`: one line per missing,
/// differing or unexpected file. Empty when they match byte for byte.
pub fn differences(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut extra = existing(dir)?;
    for (rel, bytes) in files {
        extra.remove(rel);
        match std::fs::read(dir.join(rel)) {
            Ok(on_disk) if on_disk == *bytes => {}
            Ok(_) => problems.push(format!("differs: {rel}")),
            Err(_) => problems.push(format!("missing: {rel}")),
        }
    }
    problems.extend(extra.into_iter().map(|rel| format!("not generated: {rel}")));
    Ok(problems)
}
