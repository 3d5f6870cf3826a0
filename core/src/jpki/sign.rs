//! COMPUTE DIGITAL SIGNATURE (`80 2A 00 (80|SFI) Lc <DigestInfo> 00`).
//!
//! P1 `00`: the card pads what it receives with PKCS#1 v1.5, so we send a
//! SHA-256 `DigestInfo`. Every signature is checked against the certificate's
//! public key before it is returned, so a faulty card or a swapped certificate
//! is caught on the device, not on the server.

use crate::apdu::{Command, Le, StatusWord};
use crate::cert::JpkiCertificate;
use crate::digest::sha256_digest_info;
use crate::pin::PinKind;
use crate::transport::Transport;

use super::{fid, JpkiCard, JpkiError};

/// Which private key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// The user-authentication key (`0017`), opened by the 4-digit PIN.
    Auth,
    /// The signing key (`001A`), opened by the signing password.
    Signing,
}

impl KeyKind {
    /// The key's internal EF.
    pub fn fid(self) -> u16 {
        match self {
            KeyKind::Auth => fid::AUTH_KEY,
            KeyKind::Signing => fid::SIGNING_KEY,
        }
    }

    /// The PIN that opens this key.
    pub fn pin(self) -> PinKind {
        match self {
            KeyKind::Auth => PinKind::Auth,
            KeyKind::Signing => PinKind::Signing,
        }
    }
}

impl<T: Transport> JpkiCard<T> {
    /// Have the card sign a prepared `DigestInfo` (or other ≤ 245-byte input)
    /// with `key`. Returns the 256-byte signature, unchecked.
    pub fn sign_raw(&mut self, key: KeyKind, digest_info: &[u8]) -> Result<Vec<u8>, JpkiError> {
        let p2 = 0x80 | fid::sfi(key.fid()).unwrap_or(0);
        let cmd = Command::new(0x80, 0x2A, 0x00, p2)
            .with_data(digest_info.to_vec())
            .with_le(Le::Max);
        let r = self.call(&cmd, false)?;
        match r.sw {
            StatusWord::Success if r.data.len() == 256 => Ok(r.data),
            StatusWord::Success => Err(JpkiError::MalformedResponse {
                what: "signature",
                detail: format!("{} bytes, expected 256", r.data.len()),
            }),
            StatusWord::SecurityStatusNotSatisfied => Err(JpkiError::PinRequired(key.pin())),
            StatusWord::FileNotFound if key == KeyKind::Signing => {
                Err(JpkiError::NoSigningCertificate)
            }
            sw => Err(JpkiError::UnexpectedStatus {
                command: "COMPUTE DIGITAL SIGNATURE",
                sw,
            }),
        }
    }

    /// Sign SHA-256(`message`) with `key` and check the signature against
    /// `certificate` (the key's own certificate, read from this card).
    pub fn sign(
        &mut self,
        key: KeyKind,
        message: &[u8],
        certificate: &JpkiCertificate,
    ) -> Result<Vec<u8>, JpkiError> {
        let signature = self.sign_raw(key, &sha256_digest_info(message))?;
        certificate
            .public_key()
            .verify_pkcs1_sha256(message, &signature)
            .map_err(|_| JpkiError::BadCardSignature)?;
        Ok(signature)
    }
}
