//! DigestInfo for the card's `COMPUTE DIGITAL SIGNATURE` with P1 = `00`.
//!
//! With P1 `00` the card pads whatever it receives with PKCS#1 v1.5 type 1, so
//! the client sends a complete DER `DigestInfo` (jpki-facts §3.4).

use sha2::{Digest, Sha256};

/// `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2 note 1).
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The 51-byte DER `DigestInfo` of SHA-256(`message`).
pub fn sha256_digest_info(message: &[u8]) -> [u8; 51] {
    let mut out = [0u8; 51];
    out[..19].copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    out[19..].copy_from_slice(&sha256(message));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_of_empty_message() {
        // SHA-256("") = e3b0c442...; the prefix is the fixed DER header.
        let di = sha256_digest_info(b"");
        assert_eq!(
            hex::encode(di),
            "3031300d060960864801650304020105000420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
