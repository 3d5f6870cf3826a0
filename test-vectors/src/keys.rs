//! Deterministic TEST keys: RSA-2048 (e = 65537) from a ChaCha20 stream seeded
//! with `SHA-256("shiori-test-vectors/v1/" + label)`.

use std::collections::BTreeMap;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs8::EncodePrivateKey;
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The domain-separation prefix of every seed; bump `v1` to re-key everything.
pub const SEED_PREFIX: &str = "shiori-test-vectors/v1/";

/// The 32-byte seed for `label`.
pub fn seed(label: &str) -> [u8; 32] {
    Sha256::digest(format!("{SEED_PREFIX}{label}")).into()
}

/// The RSA-2048 TEST key for `label`.
pub fn key(label: &str) -> Result<RsaPrivateKey> {
    let mut rng = ChaCha20Rng::from_seed(seed(label));
    Ok(RsaPrivateKey::new(&mut rng, 2048)?)
}

/// The keys for all `labels`, generated on all cores (each key depends only on
/// its own label, so the result does not depend on scheduling).
pub fn keys(labels: &[String]) -> Result<BTreeMap<String, RsaPrivateKey>> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, labels.len().max(1));
    let chunk = labels.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = labels
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|label| Ok((label.clone(), key(label)?)))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = BTreeMap::new();
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| Error::Spec("a key-generation thread panicked".into()))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// The PKCS#8 DER encoding of a TEST key.
pub fn pkcs8(key: &RsaPrivateKey) -> Result<Vec<u8>> {
    Ok(key.to_pkcs8_der()?.as_bytes().to_vec())
}
