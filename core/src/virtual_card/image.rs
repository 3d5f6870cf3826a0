//! The on-disk description of a virtual My Number Card (`test-vectors/cards/*.json`).
//!
//! Everything in an image is TEST material made by `test-vectors/`'s generator:
//! the keys are test keys and the certificates chain to test roots. The
//! `test_only` marker must be `true`; loading refuses anything else, so a real
//! key can never be mistaken for a test one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A virtual card as stored in `test-vectors/cards/<name>.json`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardImage {
    /// Must be `true`: this image holds test keys only.
    pub test_only: bool,
    /// A short name for humans ("tanaka-hanako").
    pub name: String,
    /// What the card is meant to exercise, for humans.
    pub description: String,
    /// The JPKI AP's elementary files, by 4-hex-digit FID (`"0001"`, `"0002"`,
    /// `"0006"`, `"0008"`, `"000A"`, `"000B"`), as hex of the exact EF contents,
    /// filler included. A missing FID answers `6A82`.
    pub files: BTreeMap<String, String>,
    /// The auth private key (`0017`) as hex PKCS#8 DER (RSA-2048). TEST KEY.
    pub auth_key_pkcs8: String,
    /// The signing private key (`001A`) as hex PKCS#8 DER, or `None` on a card
    /// without a signing certificate (then `001A`/`001B` answer `6A82`). TEST KEY.
    pub signing_key_pkcs8: Option<String>,
    /// The 4-digit auth PIN (`0018`). TEST PIN.
    pub auth_pin: String,
    /// The signing password (`001B`), 6–16 of A–Z0–9. TEST PASSWORD.
    pub signing_password: Option<String>,
    /// Tries left on the auth PIN at power-on of a fresh image (max 3).
    pub auth_tries_left: u8,
    /// Tries left on the signing password (max 5).
    pub signing_tries_left: u8,
    /// The ATR the card presents (hex). Only for PC/SC stacks that want one;
    /// Shiori itself never looks at it.
    pub atr: String,
}

impl std::fmt::Debug for CardImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardImage")
            .field("name", &self.name)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("auth_tries_left", &self.auth_tries_left)
            .field("signing_tries_left", &self.signing_tries_left)
            .finish_non_exhaustive()
    }
}
